/**
 * The pods' way to the API server on the real node (test/node/cluster.sh): kube-apiserver listens on
 * 127.0.0.1 only and no kube-proxy runs, so the harness puts the `kubernetes` Service's ClusterIP on its own
 * bridge and runs this forwarder on it: every TCP connection to LISTEN_HOST:LISTEN_PORT is piped to
 * TARGET_HOST:TARGET_PORT. TLS passes through untouched (the API server's certificate names the ClusterIP).
 *
 *   node test/node/api-forward.ts LISTEN_HOST LISTEN_PORT TARGET_HOST TARGET_PORT
 *
 * Prints "listening" on stdout once bound; runs until killed. Node >= 23.6 runs this file as is (types
 * stripped), with nothing but node:net.
 */
import net from 'node:net';

const [listenHost = '', listenPort = '', targetHost = '', targetPort = ''] = process.argv.slice(2);
if ([listenHost, listenPort, targetHost, targetPort].includes('')) {
  console.error('usage: api-forward.ts LISTEN_HOST LISTEN_PORT TARGET_HOST TARGET_PORT');
  process.exit(2);
}

const server = net.createServer((client) => {
  const upstream = net.connect(Number(targetPort), targetHost);
  client.pipe(upstream);
  upstream.pipe(client);
  const close = (): void => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', close);
  upstream.on('error', close);
  client.on('close', close);
  upstream.on('close', close);
});
server.on('error', (error) => {
  console.error(`api-forward: ${error.message}`);
  process.exit(1);
});
server.listen(Number(listenPort), listenHost, () => {
  console.log(`listening on ${listenHost}:${listenPort}, forwarding to ${targetHost}:${targetPort}`);
});
