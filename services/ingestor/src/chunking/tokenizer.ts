import { countTokens } from "gpt-tokenizer/encoding/cl100k_base";

/** Counts tokens of a text. */
export type TokenCounter = (text: string) => number;

const NO_SPECIAL_TOKENS = { disallowedSpecial: new Set<string>() };

/**
 * Token counts with `cl100k_base`, the encoding of OpenAI's embedding models, via `gpt-tokenizer` (pure JS, no
 * WASM; measured 3-10x faster than `js-tiktoken` here on long unbroken words). Special-token text such as
 * `<|endoftext|>` in a document is counted as plain text, never refused.
 */
export function createTokenCounter(): TokenCounter {
  return (text) => countTokens(text, NO_SPECIAL_TOKENS);
}
