/** The images the tests push to the real registry, and the hostile argv (quotes, `$`, `$(VAR)`, newlines, empty strings). */
import type { ImageSpec } from '../helpers/registry.js';

export const HOSTILE_ENTRYPOINT = ['/bin/sh', '-c', 'printf "%s|" "$0" "$@"; echo \'$(VAR)\' $$HOME', "it's"];
export const HOSTILE_CMD = ['a b', '', '$(HOME)', 'line1\nline2', '\'"`\\', '--flag=$PATH', '$$', ' '];

const linux = (architecture: string, entrypoint: string[] | null, cmd: string[] | null, variant?: string) => ({
  os: 'linux',
  architecture,
  ...(variant === undefined ? {} : { variant }),
  entrypoint,
  cmd,
});

export const TEST_IMAGES: ImageSpec[] = [
  {
    repository: 'team/single',
    tag: 'v1',
    platforms: [linux('amd64', ['/app', '--config', '/etc/app.yaml'], ['--serve'])],
  },
  {
    repository: 'team/multi',
    tag: 'v1',
    index: true,
    platforms: [
      linux('amd64', ['/amd64/app'], ['--amd64']),
      linux('arm64', ['/arm64/app'], ['--arm64'], 'v8'),
      linux('arm', ['/arm/app'], ['--armv7'], 'v7'),
    ],
  },
  {
    repository: 'team/multi-oci',
    tag: 'v1',
    index: true,
    format: 'oci',
    platforms: [linux('amd64', ['/oci/amd64'], null), linux('arm64', ['/oci/arm64'], null, 'v8')],
  },
  { repository: 'team/entrypoint-only', tag: 'v1', format: 'oci', platforms: [linux('amd64', ['/bin/server'], null)] },
  { repository: 'team/cmd-only', tag: 'v1', platforms: [linux('amd64', null, ['python', 'app.py'])] },
  { repository: 'team/both', tag: 'v1', platforms: [linux('amd64', ['/entry'], ['cmd1', 'cmd2'])] },
  { repository: 'team/neither', tag: 'v1', platforms: [linux('amd64', null, null)] },
  { repository: 'team/hostile', tag: 'v1', platforms: [linux('amd64', HOSTILE_ENTRYPOINT, HOSTILE_CMD)] },
  { repository: 'public/app', tag: 'v1', public: true, platforms: [linux('amd64', ['/public'], null)] },
];
