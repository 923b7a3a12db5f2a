import { type SessionTask, runOnSessions } from './parallel-tasks';

/** Sessions that are numbers, opened in order; `refuse` lists sessions whose opening fails. */
function sessions(refuse: number[] = []) {
  let next = 0;
  const opened: number[] = [];
  const open = async (work: (session: number) => Promise<void>) => {
    const id = next++;
    if (refuse.includes(id)) throw new Error(`session ${id} refused`);
    opened.push(id);
    await work(id);
  };
  return { open, opened };
}

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 5));

describe('runOnSessions', () => {
  it('runs each task once, its followers only after it, and never more than `jobs` at a time', async () => {
    const log: string[] = [];
    let running = 0;
    let most = 0;
    const task = (name: string, then: Array<SessionTask<number>> = []): SessionTask<number> => ({
      run: async () => {
        running++;
        most = Math.max(most, running);
        log.push(`start ${name}`);
        await tick();
        log.push(`end ${name}`);
        running--;
      },
      then,
    });
    const { open, opened } = sessions();
    await runOnSessions(2, open, [task('a', [task('a1'), task('a2'), task('a3')]), task('b', [task('b1')])]);
    expect(log.filter((l) => l.startsWith('start')).sort()).toEqual(['a', 'a1', 'a2', 'a3', 'b', 'b1'].map((n) => `start ${n}`));
    for (const [parent, child] of [['a', 'a1'], ['a', 'a2'], ['a', 'a3'], ['b', 'b1']]) expect(log.indexOf(`end ${parent}`)).toBeLessThan(log.indexOf(`start ${child}`));
    expect(most).toBe(2);
    expect(opened).toEqual([0, 1]);
  });

  it('opens no more sessions than there are tasks, and none for no work', async () => {
    const one = sessions();
    await runOnSessions(8, one.open, [{ run: async () => undefined }]);
    expect(one.opened).toEqual([0]);
    const none = sessions();
    await runOnSessions(8, none.open, []);
    expect(none.opened).toEqual([]);
  });

  it('starts nothing after a failure, lets the tasks under way end, and throws the first error', async () => {
    const started: string[] = [];
    let slowEnded = false;
    const { open } = sessions();
    const run = runOnSessions(2, open, [
      {
        run: async () => {
          started.push('fails');
          throw new Error('index build failed');
        },
      },
      {
        run: async () => {
          started.push('slow');
          await tick();
          await tick();
          slowEnded = true;
        },
      },
      { run: async () => void started.push('later') },
    ]);
    await expect(run).rejects.toThrow('index build failed');
    expect(slowEnded).toBe(true);
    expect(started).not.toContain('later');
  });

  it('leaves the work of a session that cannot be opened to the others; fails when none can', async () => {
    const done: number[] = [];
    const some = sessions([1]);
    await runOnSessions(2, some.open, [1, 2, 3].map((n) => ({ run: async () => void done.push(n) })));
    expect(done.sort()).toEqual([1, 2, 3]);
    const none = sessions([0, 1]);
    await expect(runOnSessions(2, none.open, [{ run: async () => undefined }, { run: async () => undefined }])).rejects.toThrow('refused');
  });
});
