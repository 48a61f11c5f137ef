import { Layout } from "../web/layout";
import { LinkedText } from "./linked-text";
import type { AccountTimeline } from "./timeline";
import type { StoredPost } from "./x";

/** The fake X: what the service posted, per account. Deleted posts are gone, as on X. */
export function TimelinePage({ accounts }: { accounts: readonly AccountTimeline[] }): JSX.Element {
  return (
    <Layout title="Fake X timeline – smstweet sandbox" sandbox>
      <h1>Fake X timeline</h1>
      <p>What smstweet posted to the pretend X, newest first. Threads read top to bottom.</p>
      {accounts.length === 0 ? (
        <p class="hint">
          No X account is connected yet. <a href="/sandbox">Text the service</a> to get a link.
        </p>
      ) : (
        ""
      )}
      {accounts.map(({ user, threads }) => (
        <section aria-labelledby={`account-${user.username.toLowerCase()}`}>
          <h2 id={`account-${user.username.toLowerCase()}`} safe>
            {`@${user.username}`}
          </h2>
          {threads.length === 0 ? <p class="hint">No posts.</p> : ""}
          {threads.map((thread) => (
            <ol class={thread.length > 1 ? "thread chain" : "thread"}>
              {thread.map((post) => (
                <Post post={post} />
              ))}
            </ol>
          ))}
        </section>
      ))}
      <p>
        <a href="/sandbox/timeline">Reload the timeline</a>
      </p>
    </Layout>
  );
}

function Post({ post }: { post: StoredPost }): JSX.Element {
  const at = new Date(post.createdAt).toISOString();
  return (
    <li class="post" id={`post-${post.id}`}>
      <p class="post-text">
        <LinkedText text={post.text} />
      </p>
      {post.mediaIds.map((id) => (
        <img src={`/sandbox/media/${id}`} alt="Attached to this post by text message" class="post-media" />
      ))}
      <p class="hint">
        <time datetime={at}>{`${at.slice(0, 16).replace("T", " ")} UTC`}</time>
        {post.replyTo ? " · reply" : ""}
      </p>
    </li>
  );
}
