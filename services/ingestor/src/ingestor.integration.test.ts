import { useHarness } from "@ai-jobs/testkit/vitest";
import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { corruptPdf, docxOf, pdfWithoutText, pdfWithText, png, zipBombDocx } from "../test/files.js";
import { errorOf, resultOf, startIngestHarness } from "../test/ingest-harness.js";

const MARKDOWN = `# Fotossíntese

A fotossíntese é o processo pelo qual plantas, algas e algumas bactérias convertem energia luminosa em energia química.
Ela acontece principalmente nas folhas, dentro dos cloroplastos.

## Fase clara

Na fase clara, a clorofila absorve luz. A água é quebrada e o oxigênio é liberado. Forma-se ATP e NADPH, que
alimentam a etapa seguinte. Esta fase depende diretamente da luz e ocorre nas membranas dos tilacoides.

## Ciclo de Calvin

No ciclo de Calvin, o carbono do CO2 é fixado em moléculas orgânicas. A enzima RuBisCO catalisa a primeira etapa.
O ATP e o NADPH produzidos na fase clara fornecem a energia e o poder redutor necessários.
`;

const h = useHarness(() => startIngestHarness());

async function ingestNew(content: string | Uint8Array, filename: string, planId?: string) {
  const plan = planId ?? (await h.newPlan());
  const fileId = await h.upload(content);
  const document = await h.newDocument(plan, fileId, filename);
  return { planId: plan, document, fileId, events: await h.ingest(document, fileId) };
}

describe("ingestor: real documents", () => {
  it("ingests Markdown: a progress event per stage, chunks of the active generation with metadata, an extractive summary", async () => {
    const { document, events } = await ingestNew(MARKDOWN, "fotossintese.md");
    const result = resultOf(events);
    const progress = events.flatMap((e) => (e.kind === "progress" ? [e.data] : []));
    expect(progress.map((p) => p.step)).toEqual(["extracting", "chunking", "embedding", "summarizing", "storing"]);
    expect(progress.find((p) => p.step === "embedding")?.message).toBe("embedding batch 1 of 1");

    const { document: stored, chunks } = await h.stateOf(document._id);
    expect(result.chunk_count).toBeGreaterThan(2);
    expect(chunks).toHaveLength(result.chunk_count);
    expect(stored).toMatchObject({ ingestStatus: "succeeded", chunkCount: result.chunk_count, lastError: null });
    expect(stored?.summary).toMatchObject({ kind: "extractive", model: null });
    expect(stored?.summary?.text.length).toBeGreaterThan(20);
    for (const chunk of chunks) {
      expect(chunk.generation).toBe(stored?.activeGeneration);
      expect(chunk.embedder).toBe("hashing-64");
      expect(chunk.embedding).toHaveLength(64);
      expect(chunk.metadata.tokens).toBeLessThanOrEqual(60);
      expect(chunk.text).toBe(MARKDOWN.slice(chunk.metadata.start, chunk.metadata.end));
      expect(chunk.metadata.page).toBeNull();
    }
    expect(chunks.map((c) => c.metadata.heading)).toContain("Ciclo de Calvin");
  });

  it("ingests a PDF page by page: each chunk knows the page it starts on", async () => {
    const page = (topic: string) =>
      Array.from({ length: 6 }, (_, i) => `${topic} sentence ${i} explains ${topic} in detail.`).join(" ");
    const pages = [page("Mitochondria"), page("Ribosomes"), page("Nucleus")];
    const { document, events } = await ingestNew(await pdfWithText(pages), "cells.pdf");
    expect(resultOf(events).chunk_count).toBeGreaterThan(3);
    const { chunks } = await h.stateOf(document._id);
    for (const chunk of chunks) {
      const firstWord = chunk.text.split(/\s+/)[0] ?? "";
      expect(pages[(chunk.metadata.page ?? 0) - 1], chunk.text).toContain(firstWord);
    }
    expect(new Set(chunks.map((c) => c.metadata.page))).toEqual(new Set([1, 2, 3]));
  });

  it("ingests a DOCX and an HTML page with their headings, and text in Windows-1252", async () => {
    const docx = await docxOf([
      { heading: "Vectors", paragraphs: ["A vector has a magnitude and a direction."] },
      { heading: "Matrices", paragraphs: ["A matrix is a rectangular array of numbers."] },
    ]);
    const fromDocx = await ingestNew(docx, "algebra.docx");
    resultOf(fromDocx.events);
    const docxChunks = (await h.stateOf(fromDocx.document._id)).chunks;
    expect(docxChunks.find((c) => c.text.includes("rectangular"))?.metadata.heading).toBe("Matrices");

    const html = `<!doctype html><html><head><title>x</title><style>p{color:red}</style><script>alert(1)</script></head>
      <body><h2>Rome</h2><p>Rome was founded, says the legend, in 753 BC.</p></body></html>`;
    const fromHtml = await ingestNew(html, "rome.html");
    resultOf(fromHtml.events);
    const [htmlChunk] = (await h.stateOf(fromHtml.document._id)).chunks;
    expect(htmlChunk?.metadata.heading).toBe("Rome");
    expect(htmlChunk?.text).toContain("753 BC");
    expect(htmlChunk?.text).not.toMatch(/alert|color/);

    const latin1 = iconv.encode("Introdução à programação: funções, variáveis e laços de repetição.\n", "windows-1252");
    const fromText = await ingestNew(new Uint8Array(latin1), "notas.txt");
    resultOf(fromText.events);
    expect((await h.stateOf(fromText.document._id)).chunks[0]?.text).toContain("Introdução à programação");
  });
});

describe("ingestor: bad files fail for good with a clear error, and nothing is half-stored", () => {
  const cases: Array<[string, () => Promise<Uint8Array> | Uint8Array, string, RegExp]> = [
    ["a scanned PDF with no text layer", () => pdfWithoutText(), "scan.pdf", /no text layer/],
    ["a corrupt PDF", corruptPdf, "broken.pdf", /not a readable PDF/],
    ["a zip-bomb DOCX", () => zipBombDocx(40 * 1024 * 1024), "bomb.docx", /decompresses to more than/],
    ["a PNG named .pdf", png, "notes.pdf", /not a PDF, DOCX, HTML, Markdown or text file/],
    ["an empty file", () => new Uint8Array(), "empty.txt", /is empty/],
  ];
  for (const [what, make, filename, message] of cases) {
    it(`${what}: failed, no chunks, no active generation`, async () => {
      const { document, events } = await ingestNew(await make(), filename);
      expect(events.at(-1)?.kind).toBe("failed");
      expect(events.filter((e) => e.kind === "retrying")).toEqual([]);
      expect(errorOf(events)).toMatchObject({
        code: "UNSUPPORTED_MEDIA_TYPE",
        message: expect.stringMatching(message),
      });
      const state = await h.stateOf(document._id);
      expect(state.chunks).toEqual([]);
      expect(state.document).toMatchObject({ ingestStatus: "failed", lastError: expect.stringMatching(message) });
      expect(state.document?.activeGeneration ?? null).toBeNull();
    });
  }
});

describe("ingestor: dedupe and replace", () => {
  it("the same content in the same plan is not embedded twice, and an unchanged file is not redone", async () => {
    const first = await ingestNew(MARKDOWN, "a.md");
    expect(resultOf(first.events).embedded_count).toBe(resultOf(first.events).chunk_count);

    const copy = await ingestNew(MARKDOWN, "copy-of-a.md", first.planId);
    expect(resultOf(copy.events)).toMatchObject({ embedded_count: 0, chunk_count: resultOf(first.events).chunk_count });

    const again = resultOf(await h.ingest(first.document, first.fileId));
    expect(again).toMatchObject({ unchanged: true, embedded_count: 0 });
    const state = await h.stateOf(first.document._id);
    expect(state.chunks).toHaveLength(resultOf(first.events).chunk_count);

    // In another plan the same text is embedded again: dedupe is per plan.
    const elsewhere = await ingestNew(MARKDOWN, "a.md");
    expect(resultOf(elsewhere.events).embedded_count).toBe(resultOf(elsewhere.events).chunk_count);
  });

  it("a changed file replaces the whole chunk set; unchanged chunks reuse their vectors", async () => {
    const first = await ingestNew(MARKDOWN, "a.md");
    const before = await h.stateOf(first.document._id);
    const changed = `${MARKDOWN}\n## Fatores limitantes\n\nIntensidade luminosa, CO2 e temperatura limitam a taxa de fotossíntese.\n`;
    const newFile = await h.upload(changed);
    const result = resultOf(await h.ingest(first.document, newFile));
    expect(result.unchanged).toBe(false);
    expect(result.embedded_count).toBeLessThan(result.chunk_count);

    const after = await h.stateOf(first.document._id);
    expect(after.document?.activeGeneration).not.toBe(before.document?.activeGeneration);
    expect(after.chunks).toHaveLength(result.chunk_count);
    expect(new Set(after.chunks.map((c) => c.generation))).toEqual(new Set([after.document?.activeGeneration]));
    expect(after.chunks.at(-1)?.metadata.heading).toBe("Fatores limitantes");
  });

  it("a reader never sees a mix of two chunk sets while a document is re-ingested over and over", async () => {
    const version = (word: string) =>
      Array.from({ length: 8 }, (_, i) => `## Part ${i}\n\n${word} paragraph number ${i} about ${word} things.`).join(
        "\n\n",
      );
    const files = { alpha: await h.upload(version("alpha")), beta: await h.upload(version("beta")) };
    const planId = await h.newPlan();
    const document = await h.newDocument(planId, files.alpha, "versions.md");
    const sizes = { alpha: resultOf(await h.ingest(document, files.alpha)).chunk_count, beta: 0 };

    let writing = true;
    const seen = { alpha: 0, beta: 0, reads: 0 };
    const reader = (async () => {
      while (writing) {
        const hits = await h.search(planId, "paragraph things", 100);
        const kinds = new Set(hits.map((hit) => (hit.text.includes("alpha") ? "alpha" : "beta")));
        expect(kinds.size, "one version per read").toBe(1);
        const kind = [...kinds][0] as "alpha" | "beta";
        if (sizes[kind] > 0) expect(hits, `a whole ${kind} set`).toHaveLength(sizes[kind]);
        seen[kind]++;
        seen.reads++;
      }
    })();
    try {
      for (let round = 0; round < 3; round++) {
        sizes.beta = resultOf(await h.ingest(document, files.beta)).chunk_count;
        resultOf(await h.ingest(document, files.alpha));
      }
    } finally {
      writing = false;
      await reader;
    }
    expect(seen.alpha).toBeGreaterThan(0);
    expect(seen.beta).toBeGreaterThan(0);
  });
});

describe("search over a plan", () => {
  it("ranks the chunks of the topic a query is about first", async () => {
    const planId = await h.newPlan();
    const topics = {
      biology:
        "# Photosynthesis\n\nPhotosynthesis in green plants turns sunlight, water and carbon dioxide into glucose and oxygen inside chloroplasts.\n\nChlorophyll absorbs sunlight; the Calvin cycle fixes carbon dioxide into glucose.",
      history:
        "# The Roman Empire\n\nAugustus became the first Roman emperor in 27 BC after the fall of the Republic.\n\nThe legions built roads, aqueducts and forts across the empire's provinces.",
      programming:
        "# Python functions\n\nA Python function is defined with def, takes parameters and returns a value.\n\nLoops and list comprehensions iterate over sequences; exceptions are raised and caught with try.",
    };
    const ids: Record<string, string> = {};
    for (const [topic, text] of Object.entries(topics)) {
      const { document, events } = await ingestNew(text, `${topic}.md`, planId);
      resultOf(events);
      ids[document._id] = topic;
    }
    const queries: Array<[string, string]> = [
      ["how do chloroplasts use sunlight and carbon dioxide", "biology"],
      ["Roman emperor Augustus and the legions", "history"],
      ["python function parameters and loops", "programming"],
    ];
    for (const [query, topic] of queries) {
      const ranked = (await h.search(planId, query, 20)).map((hit) => ids[hit.documentId]);
      const ofTopic = ranked.filter((t) => t === topic).length;
      expect(ofTopic, query).toBeGreaterThan(0);
      // Every chunk of the topic comes before every other chunk.
      expect(ranked.slice(0, ofTopic), query).toEqual(Array(ofTopic).fill(topic));
    }
    const hits = await h.search(planId, "chloroplasts sunlight", 3);
    expect(hits.map((x) => x.score)).toEqual([...hits.map((x) => x.score)].sort((a, b) => b - a));
  });
});
