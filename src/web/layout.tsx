import type { Children } from "@kitajs/html";

/** What every page needs to know about the process it is served by. */
export type PageChrome = {
  /** Sandbox mode: every page says so, so nobody mistakes it for the real service. */
  sandbox?: boolean;
};

export type LayoutProps = PageChrome & { title: string; head?: Children; children?: Children };

/** Every page's frame: mobile-first, no JavaScript, one small stylesheet, no web fonts. */
export function Layout({ title, sandbox = false, head, children }: LayoutProps): JSX.Element {
  return (
    <>
      {"<!doctype html>"}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title safe>{title}</title>
          <link rel="stylesheet" href="/public/style.css" />
          <link rel="icon" href="/public/favicon.svg" type="image/svg+xml" />
          {head}
        </head>
        <body>
          {sandbox ? <SandboxBanner /> : ""}
          <main>{children}</main>
          <footer>
            <a href="/">smstweet</a>: post to X by text message.
          </footer>
        </body>
      </html>
    </>
  );
}

function SandboxBanner(): JSX.Element {
  return (
    <header class="sandbox-banner">
      <p>
        <strong>Sandbox mode.</strong> Nothing here reaches Twilio or X.{" "}
        <a href="/sandbox">Phone simulator</a> · <a href="/sandbox/timeline">Fake X timeline</a>
      </p>
    </header>
  );
}
