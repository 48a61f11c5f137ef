import type { StoredPost, StoredUser, XStandIn } from "./x";

export type AccountTimeline = { user: StoredUser; threads: StoredPost[][] };

/**
 * What the fake X shows: per account, its live posts, each thread as one chain (a post followed by the
 * replies to it, oldest first), newest chain first. A reply whose parent was deleted starts its own chain.
 */
export function timelines(x: XStandIn): AccountTimeline[] {
  const live = x.posts().filter((post) => !post.deleted);
  return x.users().map((user) => {
    const mine = live.filter((post) => post.authorId === user.id);
    const ids = new Set(mine.map((post) => post.id));
    const repliesTo = new Map<string, StoredPost[]>();
    for (const post of mine) {
      if (post.replyTo !== null && ids.has(post.replyTo)) {
        repliesTo.set(post.replyTo, [...(repliesTo.get(post.replyTo) ?? []), post]);
      }
    }
    const chainFrom = (post: StoredPost): StoredPost[] => [
      post,
      ...(repliesTo.get(post.id) ?? []).sort(byTime).flatMap(chainFrom),
    ];
    const roots = mine.filter((post) => post.replyTo === null || !ids.has(post.replyTo));
    return { user, threads: roots.sort(byTime).reverse().map(chainFrom) };
  });
}

function byTime(a: StoredPost, b: StoredPost): number {
  return a.createdAt - b.createdAt || (BigInt(a.id) < BigInt(b.id) ? -1 : 1);
}
