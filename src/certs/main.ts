#!/usr/bin/env node
/**
 * Entry point of the `certs` command (npm run certs; node dist/certs/main.js in the image).
 * Exit codes: 0 written or kept, 1 failure, 2 usage error.
 */
import { UsageError } from '../errors.js';
import { CERTS_USAGE, parseCertsArgs } from './args.js';
import { generateCerts } from '../tls/certs-directory.js';

async function main(argv: readonly string[]): Promise<number> {
  const command = parseCertsArgs(argv);
  if (command.help) {
    process.stdout.write(`${CERTS_USAGE}\n`);
    return 0;
  }
  const { options } = command;
  const result = await generateCerts(options, new Date());
  const verb = result.action === 'generated' ? 'Generated' : 'Kept the existing';
  process.stdout.write(
    [
      `${verb} CA and serving certificate in ${result.outDir}/ (valid until ${result.notAfter.toISOString()}):`,
      `  DNS names: ${result.dnsNames.join(', ')}`,
      `  files: ${result.files.join(', ')}`,
      `  ca.key never leaves this directory; the Secret ${options.namespace}/${options.secretName} gets ca.crt, tls.crt, tls.key.`,
      'Install with:',
      '  kubectl apply -k manifests/overlays/certs',
      '',
    ].join('\n'),
  );
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`certs: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  },
);
