import type { ModuleFacts } from './module-tables';

export const pascal = (words: string[]) => words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');

/** Types the SDK declares itself: a table's name must not take one of them. */
const RESERVED = new Set(['Decimal', 'DecimalInput', 'Point', 'Interval', 'Filters', 'MatchFilter', 'RangeFilter', 'Resource', 'Page', 'Error']);

/**
 * One word of a table name in the singular, by the Portuguese and English plural endings
 * the module tables use (transacoes → transacao, profissionais → profissional,
 * mensagens → mensagem, leads → lead); words that are not plural stay as they are.
 */
function singular(word: string): string {
  if (/[^aeiou]us$|ss$|is$/.test(word) && !/[aeou]is$/.test(word)) return word; // status, business, lapis
  const rules: Array<[RegExp, string]> = [
    [/oes$/, 'ao'],
    [/aes$/, 'ao'],
    [/ais$/, 'al'],
    [/eis$/, 'el'],
    [/ois$/, 'ol'],
    [/uis$/, 'ul'],
    [/ns$/, 'm'],
    [/(r|z)es$/, '$1'],
    [/s$/, ''],
  ];
  for (const [pattern, replacement] of rules) if (pattern.test(word)) return word.replace(pattern, replacement);
  return word;
}

/**
 * The row type name of every manifest table, keyed "module.table": the table name in the
 * singular, PascalCase (relatorios_mensais → RelatorioMensal). A name two modules would
 * share, or one the SDK declares, gets its module in front (CrmTemplate, WhatsappTemplate).
 */
export function rowTypeNames(modules: ModuleFacts[]): Map<string, string> {
  const plain = new Map<string, string>();
  const count = new Map<string, number>();
  for (const m of modules) {
    for (const t of m.tables) {
      const name = pascal(t.name.split('_').filter(Boolean).map(singular));
      plain.set(`${m.name}.${t.name}`, name);
      count.set(name, (count.get(name) ?? 0) + 1);
    }
  }
  const names = new Map<string, string>();
  for (const [key, name] of plain) {
    const clash = (count.get(name) ?? 0) > 1 || RESERVED.has(name) || /^[A-Z]\w*Module$/.test(name);
    names.set(key, clash ? pascal([key.split('.')[0]!]) + name : name);
  }
  const seen = new Set<string>();
  for (const name of names.values()) {
    if (seen.has(name)) throw new Error(`Two tables would both be typed ${name}: rename one of the tables.`);
    seen.add(name);
  }
  return names;
}

/** kryonix.crm's interface: CrmModule. */
export const moduleTypeName = (module: string) => `${pascal([module])}Module`;
