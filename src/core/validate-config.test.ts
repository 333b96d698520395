import { describe, expect, it } from 'vitest';
import { EMPTY_INSTALL_OPTIONS } from './install-options.js';
import { configFileProblems, firstNonSimpleLine, keysSetByFlags } from './validate-config.js';

const F = '/root/extra.yaml';

describe('config file content', () => {
  it.each([
    ['plain keys, a list, comments', 'write-kubeconfig-mode: "0640"\n# audit\nkube-apiserver-arg:\n  - "audit-log-maxage=30"\n'],
    ['a compact list at column 0', 'kube-apiserver-arg:\n- a=b\n'],
    ['an empty file', ''],
    ['only comments', '# nothing yet\n'],
    ['a flow value under a plain key', 'node-label-extra: {a: b}\n'],
    ['a block scalar', 'motd: |\n  hello\n  world\n'],
  ])('accepts %s', (_what, text) => {
    expect(configFileProblems(F, text, [])).toEqual([]);
  });

  it.each([
    ['a quoted key', '"token": x\n', "sets 'token'"],
    ['a single-quoted key', "'token': x\n", "sets 'token'"],
    ['an explicit key', '? server\n: https://10.0.0.1:9345\n', "sets 'server'"],
    ['a flow mapping', '{token-file: /root/t}\n', "sets 'token-file'"],
    ['a merge key', '<<: {token: x}\n', 'merge key'],
    ['agent-token', 'agent-token: x\n', "sets 'agent-token'"],
    ['a list', '- a\n- b\n', 'mapping'],
    ['a scalar', 'just some text\n', 'mapping'],
    ['a shadow line (a YAML key ending in ::)', 'root:*:19000:0:99999:7:::\n', "line 1 is not a plain 'key: value'"],
    ['broken YAML', 'key: [unclosed\n', 'not valid YAML'],
    ['duplicate keys', 'a: 1\na: 2\n', 'not valid YAML'],
    ['1 MB of junk', 'x'.repeat(1024 * 1024), 'at most 64 KiB'],
    ['NUL bytes', 'a: b\0\n', 'NUL'],
    ['a quoted harmless key', '"write-kubeconfig-mode": "0640"\n', 'write keys unquoted'],
    ['an explicit harmless key', '? write-kubeconfig-mode\n: "0640"\n', "line 1 is not a plain 'key: value'"],
    ['an indented first line', '  write-kubeconfig-mode: "0640"\n', "line 1 is not a plain 'key: value'"],
    ['an anchor on a key', '&a write-kubeconfig-mode: "0640"\n', "line 1 is not a plain 'key: value'"],
    ['a second document', 'a: b\n---\nc: d\n', 'not valid YAML'],
  ])('refuses %s', (_what, text, problem) => {
    const problems = configFileProblems(F, text, []);
    expect(problems.join('\n')).toContain(problem);
    expect(problems.join('\n')).toContain(F);
  });

  it('refuses the keys the flags set, and only when they are set', () => {
    const keys = keysSetByFlags({ ...EMPTY_INSTALL_OPTIONS, nodeName: 'n1', tlsSan: ['a.example'] });
    expect(keys).toEqual(['node-name', 'tls-san']);
    expect(configFileProblems(F, 'tls-san:\n  - b.example\n', keys).join()).toContain("sets 'tls-san', which a flag already sets");
    expect(configFileProblems(F, 'tls-san:\n  - b.example\n', [])).toEqual([]);
  });

  it('never quotes the content in a message', () => {
    const secret = 'K10deadbeef::server:hunter2';
    for (const text of [`token: ${secret}\n`, `"token": ${secret}\n`, `{token: ${secret}}\n`, `x: [${secret}\n`]) {
      expect(configFileProblems(F, text, []).join('\n')).not.toContain('hunter2');
    }
  });

  it('finds the first line outside the simple form', () => {
    expect(firstNonSimpleLine('a: b\nc:\n  - d\n- e\n')).toBeUndefined();
    expect(firstNonSimpleLine('a: b\n"c": d\n')).toBe(2);
    expect(firstNonSimpleLine('a:b\n')).toBe(1);
    expect(firstNonSimpleLine('a: b\n\tc: d\n')).toBe(2);
  });
});
