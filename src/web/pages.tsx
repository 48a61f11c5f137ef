import { Layout, type PageChrome } from "./layout";

/** A page that says what happened and what to do next. */
export function MessagePage(props: PageChrome & { title: string; lines: readonly string[] }): JSX.Element {
  return (
    <Layout title={props.title} sandbox={props.sandbox}>
      <h1 safe>{props.title}</h1>
      {props.lines.map((line) => (
        <p safe>{line}</p>
      ))}
    </Layout>
  );
}

export function LandingPage(
  props: PageChrome & { phoneNumber: string | null; retentionDays: number },
): JSX.Element {
  return (
    <Layout title="smstweet: post to X by text message" sandbox={props.sandbox}>
      <h1>Post to X by text message</h1>
      {props.phoneNumber ? (
        <p>
          Text anything to <strong safe>{props.phoneNumber}</strong>. The first time, you get a link to
          connect your X account; after that, every text you send is posted and you get the link back.
        </p>
      ) : (
        <p>
          Text this service's number. The first time, you get a link to connect your X account; after that,
          every text you send is posted and you get the link back.
        </p>
      )}
      {props.sandbox ? (
        <p>
          <a href="/sandbox">Open the phone simulator</a> to try it without a phone: text from any number,
          connect a pretend X account, and watch your posts appear on the fake X timeline.
        </p>
      ) : (
        ""
      )}
      <p>Text HELP for commands, STOP to stop all texts from us.</p>
      <h2>Privacy</h2>
      <p>
        We keep your phone number, your X handle and the keys X gives us to post for you (encrypted). What
        your texts and our replies say, and your pictures, are kept only until they are posted or sent (a
        thread's parts until it is posted or discarded), then erased. The record of each text without its
        words (your number, when, what became of it), the ids of your posts (for UNDO), the links we sent you
        and each message's id (hashed, without your number, so a repeated delivery is never posted twice) are
        deleted after {String(props.retentionDays)} days. Erased words are overwritten, though the database
        may keep old copies of a changed or deleted row in its free space until its routine clean-up reuses
        it. Nothing is shared or sold. Text LOGOUT to disconnect, or DELETE to erase everything we hold about
        your number at once.
      </p>
    </Layout>
  );
}

export function AuthLinkPage(props: PageChrome & { maskedPhone: string; action: string }): JSX.Element {
  return (
    <Layout title="Connect your X account" sandbox={props.sandbox}>
      <h1>Connect your X account</h1>
      <p>
        Texts from <strong safe>{props.maskedPhone}</strong> will be posted to the X account you connect.
      </p>
      <form method="post" action={props.action}>
        <button type="submit">Connect with X</button>
      </form>
      <p class="hint">Not you? Close this page; nothing happens until you press the button.</p>
    </Layout>
  );
}
