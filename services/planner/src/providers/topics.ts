/** Words that say nothing about what to study, in English and Portuguese (compared without accents). */
const STOPWORDS = new Set(
  [
    "a an the and or of to in on for with about into from by at as is are be my me i we our your it this that",
    "how what why want need learn learning study studying understand understanding master get better good basics",
    "de da do das dos e o os as um uma uns umas para pra com em no na nos nas por pelo pela sobre ao aos",
    "meu minha eu quero preciso como que ser aprender estudar entender dominar basico",
  ]
    .join(" ")
    .split(" "),
);

const WORD = /[\p{L}\p{N}][\p{L}\p{N}+#.'-]*/gu;
const MAX_TOPICS = 8;

/** Lowercase without diacritics, so "Ação" and "acao" are the same word. */
export const fold = (word: string) => word.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();

const TRAILING_PUNCTUATION = new Set([".", "'", "-"]);

/** `C++.` → `C++`, `e.g.` → `e.g`: a loop, as `/[.'-]+$/` rescans a long run of dots from each of them (quadratic). */
function withoutTrailingPunctuation(word: string): string {
  let end = word.length;
  while (end > 0 && TRAILING_PUNCTUATION.has(word.charAt(end - 1))) end--;
  return word.slice(0, end);
}

function wordsOf(text: string): string[] {
  return (text.normalize("NFC").match(WORD) ?? [])
    .map(withoutTrailingPunctuation)
    .filter((w) => w.length >= 2 && !STOPWORDS.has(fold(w)));
}

/**
 * The study topics of a plan, in the order the goal names them: the goal's meaningful words, then the title's and
 * the study context's when the goal has fewer than two. Different goals give different topics; never empty.
 */
export function topicsOf(goal: string, title: string, studyContext: string | null): string[] {
  const seen = new Set<string>();
  const topics: string[] = [];
  const add = (words: string[]) => {
    for (const w of words) {
      const key = fold(w);
      if (seen.has(key) || topics.length >= MAX_TOPICS) continue;
      seen.add(key);
      topics.push(w);
    }
  };
  add(wordsOf(goal));
  if (topics.length < 2) add(wordsOf(title));
  if (topics.length < 2 && studyContext) add(wordsOf(studyContext));
  return topics.length > 0 ? topics : ["fundamentals"];
}

export const capitalise = (s: string) => s.charAt(0).toLocaleUpperCase("en") + s.slice(1);
