import { attr } from "../web/escape";
import { Layout } from "../web/layout";
import type { Bubble } from "./conversation";
import { LinkedText } from "./linked-text";
import { SAMPLE_PICTURES } from "./sample-pictures";
import { SANDBOX_LANDLINE, SANDBOX_SCRIPT } from "./settings";

export type PhonePageProps = {
  serviceNumber: string;
  /** The open conversation's number, or null when none is chosen yet. */
  phone: string | null;
  /** What goes in the number field: the open number, a fresh suggestion, or what was mistyped. */
  typed: string;
  knownPhones: readonly string[];
  bubbles: readonly Bubble[];
  waiting: boolean;
  error?: string;
  draft?: string;
};

/** The phone simulator: pick a number, text the service, read its replies. Works without JavaScript. */
export function PhonePage(props: PhonePageProps): JSX.Element {
  const here = props.phone ? `/sandbox?phone=${encodeURIComponent(props.phone)}` : "/sandbox";
  // While a reply is on its way, the script fetches the conversation alone (what is being typed stays);
  // without JavaScript the whole page reloads itself instead.
  const head = (
    <>
      <script src={SANDBOX_SCRIPT} defer />
      {props.waiting ? (
        <noscript>
          <meta http-equiv="refresh" content={`1;url=${here}`} />
        </noscript>
      ) : (
        ""
      )}
    </>
  );
  return (
    <Layout title="Phone simulator – smstweet sandbox" sandbox head={head}>
      <h1>Phone simulator</h1>
      <p>
        Text the service at <strong safe>{props.serviceNumber}</strong> from any number, as if from a phone.
        Its replies appear below.
      </p>
      <form method="get" action="/sandbox" class="stack">
        <label for="phone">Your phone number</label>
        <input
          id="phone"
          name="phone"
          type="tel"
          autocomplete="off"
          list="known-phones"
          value={attr(props.typed)}
          aria-describedby="phone-hint"
        />
        <datalist id="known-phones">
          {props.knownPhones.map((phone) => (
            <option value={attr(phone)} />
          ))}
        </datalist>
        <p id="phone-hint" class="hint">
          International form, like +14155550123. A new number is a new texter; {SANDBOX_LANDLINE} is a
          landline that texts cannot reach.
        </p>
        <button type="submit">Open conversation</button>
      </form>
      {props.error ? (
        <p role="alert" class="error" safe>
          {props.error}
        </p>
      ) : (
        ""
      )}
      {props.knownPhones.length > 0 ? <KnownPhones phones={props.knownPhones} /> : ""}
      {props.phone ? <Conversation {...props} phone={props.phone} here={here} /> : ""}
    </Layout>
  );
}

function KnownPhones({ phones }: { phones: readonly string[] }): JSX.Element {
  return (
    <nav aria-label="Numbers that have texted">
      <p>
        Numbers that have texted:{" "}
        {phones.map((phone, index) => (
          <>
            {index > 0 ? ", " : ""}
            <a href={`/sandbox?phone=${encodeURIComponent(phone)}`} safe>
              {phone}
            </a>
          </>
        ))}
      </p>
    </nav>
  );
}

function Conversation(props: PhonePageProps & { phone: string; here: string }): JSX.Element {
  return (
    <section aria-labelledby="conversation-title">
      <h2 id="conversation-title">
        Texts from <span safe>{props.phone}</span>
      </h2>
      {props.bubbles.length === 0 ? <p class="hint">No texts yet. Say hello.</p> : ""}
      <ConversationList phone={props.phone} bubbles={props.bubbles} waiting={props.waiting} />
      {props.waiting ? (
        <p class="hint" role="status" id="waiting-status">
          Waiting for a reply; the conversation reloads itself.
        </p>
      ) : (
        ""
      )}
      <form method="post" action="/sandbox/text" class="stack">
        <input type="hidden" name="phone" value={attr(props.phone)} />
        <label for="body">Message</label>
        <textarea id="body" name="body" rows="3" maxlength="1600" autofocus safe>
          {props.draft ?? ""}
        </textarea>
        <fieldset class="pictures">
          <legend>Attach a picture (a picture message)</legend>
          <label>
            <input type="radio" name="picture" value="" checked /> No picture
          </label>
          {SAMPLE_PICTURES.map((picture) => (
            <label>
              <input type="radio" name="picture" value={attr(picture.id)} /> <span safe>{picture.label}</span>
            </label>
          ))}
        </fieldset>
        <button type="submit">Send</button>
      </form>
      <p>
        <a href={props.here}>Reload the conversation</a>
      </p>
    </section>
  );
}

/** The conversation alone: also served on its own, for the script to swap in while a reply is on its way. */
export function ConversationList(props: {
  phone: string;
  bubbles: readonly Bubble[];
  waiting: boolean;
}): JSX.Element {
  return (
    <ol
      class="conversation"
      id="conversation"
      data-waiting={props.waiting ? "true" : "false"}
      data-src={`/sandbox/conversation?phone=${encodeURIComponent(props.phone)}`}
    >
      {props.bubbles.map((bubble) => (
        <li class={`bubble ${bubble.from}`}>
          <span class={bubble.from === "twilio" ? "bubble-sender" : "visually-hidden"}>
            {{ phone: "You: ", service: "smstweet: ", twilio: "Twilio (automatic reply): " }[bubble.from]}
          </span>
          <span class="bubble-text">
            <LinkedText text={bubble.body} />
          </span>
          {(bubble.pictures ?? []).map((label) => (
            <span class="bubble-picture" safe>
              [picture: {label}]
            </span>
          ))}
          {bubble.undelivered === undefined ? (
            ""
          ) : (
            <span class="bubble-picture" safe>
              [not delivered: Twilio error {bubble.undelivered}]
            </span>
          )}
        </li>
      ))}
    </ol>
  );
}
