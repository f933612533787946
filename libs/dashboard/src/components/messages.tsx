import type { ComponentChildren } from "preact";

/** A failed call's message (problem+json `detail`, Retry-After on a 429), announced to screen readers. */
export function ErrorMessage({ text }: { text: string | undefined }) {
  if (!text) return null;
  return (
    <p class="message error" role="alert">
      {text}
    </p>
  );
}

/** The outcome of an action: done, or why not. */
export function Outcome({ message }: { message: { ok: boolean; text: string } | undefined }) {
  if (!message) return null;
  return (
    <p class={`message ${message.ok ? "ok" : "error"}`} role={message.ok ? "status" : "alert"}>
      {message.text}
    </p>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}
