/**
 * The kubelet's `$(VAR)` expansion of container command and args (a port of
 * k8s.io/kubernetes/third_party/forked/golang/expansion.Expand): `$$` is an escaped `$`, `$(NAME)` becomes
 * the variable's value when it is defined and stays as written otherwise.
 */
export function expandKubelet(input: string, env: Readonly<Record<string, string>>): string {
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor += 1) {
    if (input[cursor] !== '$' || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const rest = input.slice(cursor + 1);
    let advance = 1;
    if (rest[0] === '$') {
      out += '$';
    } else if (rest[0] === '(') {
      const close = rest.indexOf(')', 1);
      if (close === -1) {
        out += '$(';
      } else {
        const name = rest.slice(1, close);
        out += Object.hasOwn(env, name) ? (env[name] ?? '') : `$(${name})`;
        advance = close + 1;
      }
    } else {
      out += `$${rest[0] ?? ''}`;
    }
    cursor += advance;
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}
