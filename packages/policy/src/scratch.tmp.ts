import { classifySql } from './classify.js';
import { readFileSync } from 'node:fs';
const ctx = { database: 'PIPE', schema: 'WORK' };
const lines = readFileSync(process.argv[2]!, 'utf8').split('\n====\n').filter((s) => s.trim());
for (const q of lines) {
  const r = classifySql(q, ctx);
  const show = (s: any, ind: string): string => `${ind}${s.class}${s.via ? ' via ' + s.via : ''} R=${JSON.stringify(s.reads)} W=${JSON.stringify(s.writes)}${s.dynamic ? ' dyn' : ''}\n` + (s.inner ?? []).map((x: any) => show(x, ind + '    ')).join('');
  console.log('### ' + q.replace(/\n/g, '⏎') + '\n' + r.map((s) => show(s, '  ')).join(''));
}
