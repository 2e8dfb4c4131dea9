// What every suite needs: the stack's addresses (handed in by `lockstep stack test` as environment
// variables) and small HTTP and redis helpers. Plain Node, no dependencies.
/* global fetch, AbortSignal */
import { Buffer } from 'node:buffer';
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';

export function address(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the suite through \`lockstep stack test\``);
  return value.replace(/\/+$/, '');
}

export async function http(method, url, body) {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
}

export function uniqueId(prefix) {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

/** Sends one redis command and resolves with its reply (bulk strings, integers and simple strings only). */
export function redisCommand(...args) {
  const host = address('REDIS_HOST');
  const port = Number(address('REDIS_PORT'));
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let buffer = '';
    socket.setTimeout(5000, () => socket.destroy(new Error('redis did not answer within 5 s')));
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      const lineEnd = buffer.indexOf('\r\n');
      if (lineEnd < 0) return;
      const type = buffer[0];
      const line = buffer.slice(1, lineEnd);
      if (type === '$') {
        const length = Number(line);
        if (length < 0) return finish(null);
        if (Buffer.byteLength(buffer) < lineEnd + 2 + length + 2) return;
        return finish(buffer.slice(lineEnd + 2, lineEnd + 2 + length));
      }
      if (type === '-') return finish(new Error(line));
      return finish(type === ':' ? Number(line) : line);
    });
    function finish(value) {
      socket.end();
      if (value instanceof Error) reject(value);
      else resolve(value);
    }
    socket.write(`*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(String(arg))}\r\n${arg}\r\n`).join('')}`);
  });
}
