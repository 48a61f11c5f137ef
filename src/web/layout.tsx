import type { Children } from "@kitajs/html";

export type LayoutProps = { title: string; children?: Children };

/** Every page's frame: mobile-first, no JavaScript, one small stylesheet. */
export function Layout({ title, children }: LayoutProps): JSX.Element {
  return (
    <>
      {"<!doctype html>"}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="referrer" content="no-referrer" />
          <title safe>{title}</title>
          <link rel="stylesheet" href="/public/style.css" />
          <link rel="icon" href="/public/favicon.svg" type="image/svg+xml" />
        </head>
        <body>
          <main>{children}</main>
          <footer>
            <a href="/">smstweet</a>: post to X by text message.
          </footer>
        </body>
      </html>
    </>
  );
}
