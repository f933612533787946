/** A page of a cursor-paginated list: pass `next_cursor` as `cursor` for the next one; null on the last. */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** Every item of a paginated list, fetching the next page only when the previous one has been iterated. */
export async function* paginate<T>(pageAt: (cursor: string | undefined) => Promise<Page<T>>): AsyncGenerator<T> {
  let cursor: string | undefined;
  do {
    const page = await pageAt(cursor);
    yield* page.items;
    cursor = page.next_cursor ?? undefined;
  } while (cursor !== undefined);
}
