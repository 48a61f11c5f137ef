import { parseTweet } from "twitter-text";
import type { StoredPost, StoredUser } from "./types";

export type PostInput = { text: string; replyTo: string | null; mediaIds: string[] };

export type PostRefusal = "duplicate" | "too_long" | "reply_target_missing" | "empty";

export type PostStore = {
  create(
    author: StoredUser,
    input: PostInput,
  ): { ok: true; post: StoredPost } | { ok: false; refusal: PostRefusal };
  get(id: string): StoredPost | undefined;
  markDeleted(id: string): void;
  all(): StoredPost[];
};

export function createPostStore(now: () => number, nextId: () => string): PostStore {
  const posts = new Map<string, StoredPost>();
  const live = (id: string): StoredPost | undefined => {
    const post = posts.get(id);
    return post && !post.deleted ? post : undefined;
  };
  return {
    create(author, input) {
      if (!input.text && input.mediaIds.length === 0) return { ok: false, refusal: "empty" };
      if (input.text && parseTweet(input.text).weightedLength > 280)
        return { ok: false, refusal: "too_long" };
      // X compares against the author's live posts only; deleting a post frees its text.
      const duplicate = [...posts.values()].some(
        (post) =>
          !post.deleted && post.authorId === author.id && input.text !== "" && post.text === input.text,
      );
      if (duplicate) return { ok: false, refusal: "duplicate" };
      if (input.replyTo !== null && !live(input.replyTo))
        return { ok: false, refusal: "reply_target_missing" };
      const post: StoredPost = {
        id: nextId(),
        authorId: author.id,
        username: author.username,
        text: input.text,
        replyTo: input.replyTo,
        mediaIds: [...input.mediaIds],
        createdAt: now(),
        deleted: false,
      };
      posts.set(post.id, post);
      return { ok: true, post: { ...post } };
    },
    get: (id) => {
      const post = posts.get(id);
      return post ? { ...post, mediaIds: [...post.mediaIds] } : undefined;
    },
    markDeleted(id) {
      const post = posts.get(id);
      if (post) post.deleted = true;
    },
    all: () => [...posts.values()].map((post) => ({ ...post, mediaIds: [...post.mediaIds] })),
  };
}
