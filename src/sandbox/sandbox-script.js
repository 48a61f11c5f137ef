// The sandbox pages' one script, an enhancement only: every page works without it.
// - The phone simulator: while a reply is on its way, only the conversation is fetched again, so whatever
//   is being typed stays put (without JavaScript the whole page reloads itself from a <noscript> refresh).
// - The fake X consent page: the heading follows the username being typed.

const conversation = document.getElementById("conversation");
if (conversation && conversation.dataset.waiting === "true") setTimeout(refresh, 1000);

async function refresh() {
  const current = document.getElementById("conversation");
  if (!current) return;
  const response = await fetch(current.dataset.src, { cache: "no-store" }).catch(() => null);
  if (!response?.ok) return;
  const template = document.createElement("template");
  template.innerHTML = await response.text();
  const next = template.content.getElementById("conversation");
  if (!next) return;
  next.dataset.refreshes = String(Number(current.dataset.refreshes ?? "0") + 1);
  current.replaceWith(next);
  if (next.dataset.waiting === "true") setTimeout(refresh, 1000);
  else document.getElementById("waiting-status")?.remove();
}

const username = document.getElementById("username");
const heading = document.getElementById("consent-heading");
if (username && heading) {
  username.addEventListener("input", () => {
    const handle = username.value.trim().replace(/^@/, "") || username.defaultValue;
    heading.textContent = `Authorize smstweet to post as @${handle}?`;
  });
}
