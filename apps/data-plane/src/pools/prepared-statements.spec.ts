import { ConnectionStatements, NO_SUCH_STATEMENT, PREPARED_PER_CONNECTION, STALE_PLAN, type StatementPlan } from './prepared-statements';

/** The bookkeeping of one connection's named statements: what to send, and what the server holds after each outcome. */
const text = (i: number) => `SELECT * FROM "t${i}_crm"."leads" LIMIT $1`;

/** Plans `sql` and settles it as done (when it got a plan); the plan. */
function runDone(statements: ConnectionStatements, sql: string): StatementPlan | undefined {
  const plan = statements.plan(sql);
  if (plan) statements.settle(plan, 'done');
  return plan;
}

it('runs a statement unnamed on its first use, parses it under a name on its second, and uses the name from then on', () => {
  const s = new ConnectionStatements();
  expect(s.plan(text(1))).toBeUndefined();
  const second = s.plan(text(1))!;
  expect(second).toMatchObject({ parse: true, close: [] });
  expect(second.name).toMatch(/^kx_[0-9a-f]{32}$/);
  s.settle(second, 'done');
  expect(s.plan(text(1))).toEqual({ name: second.name, parse: false, close: [] });
  expect(s.size).toBe(1);
  // one text, one name; another text, another name
  expect(new ConnectionStatements().plan(text(1))).toBeUndefined();
  runDone(s, text(2));
  expect(runDone(s, text(2))!.name).not.toBe(second.name);
});

it(`holds at most ${PREPARED_PER_CONNECTION} names, closing the least recently used to make room`, () => {
  const s = new ConnectionStatements();
  for (let i = 0; i < PREPARED_PER_CONNECTION; i++) {
    runDone(s, text(i));
    runDone(s, text(i));
  }
  expect(s.size).toBe(PREPARED_PER_CONNECTION);
  runDone(s, text(0)); // statement 0 used again: statement 1 is now the oldest
  const oldest = s.plan(text(1))!.name;
  s.settle({ name: oldest, parse: false, close: [] }, 'done');
  runDone(s, text(0));
  runDone(s, text(2)); // 2 refreshed too; 3 is the oldest
  expect(s.plan(text(999))).toBeUndefined();
  const admitted = s.plan(text(999))!;
  expect(admitted.parse).toBe(true);
  expect(admitted.close).toHaveLength(1);
  s.settle(admitted, 'done');
  expect(s.size).toBe(PREPARED_PER_CONNECTION);
  // the closed one is parsed again when it comes back (first seen again, then named)
  expect(s.plan(text(3))).toBeUndefined();
  expect(s.plan(text(3))).toMatchObject({ parse: true });
});

it('traffic spread over more statements than it remembers stays unnamed: no Parse and Close on every request', () => {
  const s = new ConnectionStatements();
  for (let round = 0; round < 3; round++) for (let i = 0; i < PREPARED_PER_CONNECTION * 8; i++) expect(s.plan(text(i))).toBeUndefined();
  expect(s.size).toBe(0);
});

it('a Parse in a round trip that failed leaves the name in doubt: it is closed before its next Parse', () => {
  const s = new ConnectionStatements();
  s.plan(text(1));
  const failed = s.plan(text(1))!;
  s.settle(failed, 'failed', '42P01');
  expect(s.size).toBe(0);
  expect(s.plan(text(1))).toBeUndefined();
  const again = s.plan(text(1))!;
  expect(again).toEqual({ name: failed.name, parse: true, close: [failed.name] });
  s.settle(again, 'done');
  expect(s.plan(text(1))).toEqual({ name: failed.name, parse: false, close: [] });
});

it('a round trip skipped behind a failed switch changes nothing: a Close in it is sent again', () => {
  const s = new ConnectionStatements();
  s.plan(text(1));
  const failed = s.plan(text(1))!;
  s.settle(failed, 'failed', '42P01'); // text 1 in doubt
  runDone(s, text(2));
  const skipped = s.plan(text(2))!;
  expect(skipped.close).toEqual([failed.name]);
  s.settle(skipped, 'skipped', '42501');
  expect(s.size).toBe(0);
  const next = s.plan(text(2))!;
  expect(next).toMatchObject({ parse: true, close: [failed.name] });
  s.settle(next, 'done');
  expect(s.plan(text(2))!.close).toEqual([]);
});

it('a held statement whose plan the server refuses (columns changed, or lost) is in doubt; other failures leave it held', () => {
  const s = new ConnectionStatements();
  for (const i of [1, 2, 3]) {
    runDone(s, text(i));
    runDone(s, text(i));
  }
  const held = (i: number) => s.plan(text(i))!;
  s.settle(held(1), 'failed', '23505');
  expect(held(1).parse).toBe(false);
  const stale = held(2);
  s.settle(stale, 'failed', STALE_PLAN);
  const lost = held(3);
  expect(lost.close).toEqual([stale.name]); // closed in this round trip, which ran up to the statement
  s.settle(lost, 'failed', NO_SUCH_STATEMENT);
  expect(s.size).toBe(1);
  expect(s.plan(text(1))!.close).toEqual([lost.name]);
});
