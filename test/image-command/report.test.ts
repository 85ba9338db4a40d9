/** The report prints the real original command when the copy carries the image's ENTRYPOINT and CMD. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { copyState } from '../../src/cli/copy/copy-state.js';
import { imageCommandsOf, originalLines, renderReport } from '../../src/cli/text/report.js';
import type { ImageCommand, JsonObject, Pod } from '../../src/mutation/index.js';

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;
const SHORT = 'sha256:0123456789ab…';

function pod(original: JsonObject, images?: JsonObject): Pod {
  return {
    metadata: {
      name: 'debug-web-abcde',
      namespace: 'team',
      annotations: {
        'debug.dead/original': JSON.stringify(original),
        'debug.dead/mutated': JSON.stringify({ containers: ['app'], initContainers: [], mountPath: '/debug-dead' }),
        ...(images === undefined ? {} : { 'debug.dead/image-command': JSON.stringify(images) }),
      },
    },
  };
}

void describe('the original command with the image command known', () => {
  const image = (entrypoint: string[] | null, cmd: string[] | null): ImageCommand => ({
    entrypoint,
    cmd,
    digest: DIGEST,
  });
  const cases: { name: string; entry: JsonObject; image: ImageCommand; lines: string[] }[] = [
    {
      name: 'no command, no args: ENTRYPOINT + CMD',
      entry: { command: null, args: null },
      image: image(['/app', '--config', '/etc/app.yaml'], ['--serve']),
      lines: [
        '  ran:     /app --config /etc/app.yaml --serve',
        `  from:    the image's ENTRYPOINT and CMD (image ${SHORT}, read from its registry)`,
      ],
    },
    {
      name: 'args: ENTRYPOINT + args, CMD dropped',
      entry: { command: null, args: ['--port=8080', 'a b'] },
      image: image(['/app'], ['--serve']),
      lines: [
        "  ran:     /app --port=8080 'a b'",
        `  from:    the image's ENTRYPOINT and the pod's args (image ${SHORT}, read from its registry)`,
      ],
    },
    {
      name: 'CMD only',
      entry: { command: null, args: null },
      image: image(null, ['python', 'app.py']),
      lines: [
        '  ran:     python app.py',
        `  from:    the image's ENTRYPOINT and CMD (image ${SHORT}, read from its registry)`,
      ],
    },
    {
      name: 'an ENTRYPOINT of [""] is none (containerd)',
      entry: { command: null, args: null },
      image: image([''], ['/bin/x']),
      lines: [
        '  ran:     /bin/x',
        `  from:    the image's ENTRYPOINT and CMD (image ${SHORT}, read from its registry)`,
      ],
    },
    {
      name: 'neither in the image nor in the spec',
      entry: { command: null, args: null },
      image: image(null, null),
      lines: [`  command: none: the image (${SHORT}) has no ENTRYPOINT or CMD and the pod spec no command`],
    },
    {
      name: 'hostile argv, quoted for a copy-paste',
      entry: { command: null, args: null },
      image: image(['/bin/sh', '-c', 'echo "$1" $(X)'], ['', "it's", 'a\nb']),
      lines: [
        `  ran:     /bin/sh -c 'echo "$1" $(X)' '' 'it'\\''s' 'a\nb'`,
        `  from:    the image's ENTRYPOINT and CMD (image ${SHORT}, read from its registry)`,
      ],
    },
    {
      name: 'a command in the spec: the image does not matter',
      entry: { command: ['/own'], args: null },
      image: image(['/app'], ['--serve']),
      lines: ['  command: /own'],
    },
  ];
  for (const testCase of cases) {
    it(testCase.name, () => {
      assert.deepEqual(originalLines(copyState(pod({ app: testCase.entry })), 'app', testCase.image), testCase.lines);
    });
  }

  it('renderReport reads the annotation; an invalid one is ignored (the command stays "not known here")', () => {
    const good = pod(
      { app: { command: null, args: null } },
      { app: { entrypoint: ['/app'], cmd: ['--serve'], digest: DIGEST } },
    );
    assert.deepEqual(imageCommandsOf(good), { app: { entrypoint: ['/app'], cmd: ['--serve'], digest: DIGEST } });
    assert.match(
      renderReport(good, { kubectlFlags: [], running: true }),
      /Original command of app:\n {2}ran: {5}\/app --serve\n/,
    );
    const bad = pod({ app: { command: null, args: null } }, { app: { entrypoint: '/app', digest: 'x' } });
    assert.deepEqual(imageCommandsOf(bad), {});
    assert.match(
      renderReport(bad, { kubectlFlags: [], running: true }),
      /the image ENTRYPOINT and CMD ran \(they are in the image, not known here\)/,
    );
  });
});
