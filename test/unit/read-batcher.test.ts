import { ReadBatcher } from '../../services/platform/read-batcher';

/** A store whose batched reads the test releases by hand, recording every batch it was asked. */
function controlledStore(values: Map<string, number>) {
  const batches: string[][] = [];
  const release: Array<(fail?: Error) => void> = [];
  const readMany = (keys: readonly string[]) =>
    new Promise<Array<number | undefined>>((resolve, reject) => {
      batches.push([...keys]);
      // A statement sees what was committed when it started: the values as the batch is sent.
      const seen = keys.map((k) => values.get(k));
      release.push((fail) => (fail ? reject(fail) : resolve(seen)));
    });
  return { batches, release, readMany };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('ReadBatcher', () => {
  it('sends the reads of one turn as one batch, each distinct key once, and answers each caller', async () => {
    const store = controlledStore(
      new Map([
        ['a', 1],
        ['b', 2],
      ]),
    );
    const batcher = new ReadBatcher<string, number>(store.readMany, (k) => k);
    const reads = [batcher.read('a'), batcher.read('b'), batcher.read('a'), batcher.read('missing')];
    await turn();
    expect(store.batches).toEqual([['a', 'b', 'missing']]);
    store.release[0]();
    await expect(Promise.all(reads)).resolves.toEqual([1, 2, 1, undefined]);
  });

  it('never answers a read from a batch that was sent before it was made', async () => {
    const values = new Map([['a', 1]]);
    const store = controlledStore(values);
    const batcher = new ReadBatcher<string, number>(store.readMany, (k) => k);
    const first = batcher.read('a');
    await turn();
    // The first batch is in flight; the value changes (a withdrawal commits), then a new read comes.
    values.set('a', 2);
    const second = batcher.read('a');
    await turn();
    expect(store.batches).toHaveLength(1);
    store.release[0]();
    await expect(first).resolves.toBe(1);
    await turn();
    expect(store.batches).toEqual([['a'], ['a']]);
    store.release[1]();
    await expect(second).resolves.toBe(2);
  });

  it('keeps at most `lanes` batches in flight and splits past maxBatch', async () => {
    const store = controlledStore(new Map());
    const batcher = new ReadBatcher<string, number>(store.readMany, (k) => k, 2, 1);
    const reads = ['a', 'b', 'c'].map((k) => batcher.read(k));
    await turn();
    expect(store.batches).toEqual([['a', 'b']]);
    store.release[0]();
    await turn();
    await turn();
    expect(store.batches).toEqual([['a', 'b'], ['c']]);
    store.release[1]();
    await expect(Promise.all(reads)).resolves.toEqual([undefined, undefined, undefined]);
  });

  it('fails every read of a failed batch with its error, and serves the next batch', async () => {
    const store = controlledStore(new Map([['a', 1]]));
    const batcher = new ReadBatcher<string, number>(store.readMany, (k) => k);
    const failing = [batcher.read('a'), batcher.read('b')];
    await turn();
    const down = new Error('connection refused');
    store.release[0](down);
    for (const read of failing) await expect(read).rejects.toBe(down);
    const later = batcher.read('a');
    await turn();
    store.release[1]();
    await expect(later).resolves.toBe(1);
  });

  it('refuses an answer that does not match the keys rather than give anyone another key’s value', async () => {
    const batcher = new ReadBatcher<string, number>(
      async () => [1],
      (k) => k,
    );
    await expect(Promise.all([batcher.read('a'), batcher.read('b')])).rejects.toThrow('answered 1 values for 2 keys');
  });
});
