// A minimal redis client speaking RESP2 over one connection: commands are pipelined in order and
// each reply resolves the oldest pending command. Enough for the handful of commands the cart uses.
import { Buffer } from 'node:buffer';
import { connect } from 'node:net';

export class RedisClient {
  #host;
  #port;
  #socket = null;
  #pending = [];
  #buffer = Buffer.alloc(0);

  constructor(host, port) {
    this.#host = host;
    this.#port = port;
  }

  command(...args) {
    const socket = this.#connection();
    return new Promise((resolve, reject) => {
      this.#pending.push({ resolve, reject });
      socket.write(encode(args));
    });
  }

  close() {
    this.#socket?.end();
  }

  #connection() {
    if (this.#socket) return this.#socket;
    const socket = connect({ host: this.#host, port: this.#port });
    socket.setNoDelay(true);
    socket.on('data', (chunk) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      for (;;) {
        const parsed = parse(this.#buffer, 0);
        if (!parsed) break;
        this.#buffer = this.#buffer.subarray(parsed.end);
        const waiter = this.#pending.shift();
        if (parsed.value instanceof Error) waiter?.reject(parsed.value);
        else waiter?.resolve(parsed.value);
      }
    });
    // A dropped connection fails what is in flight; the next command reconnects.
    const fail = (error) => {
      if (this.#socket !== socket) return;
      this.#socket = null;
      this.#buffer = Buffer.alloc(0);
      for (const waiter of this.#pending.splice(0)) waiter.reject(error ?? new Error('redis connection closed'));
    };
    socket.on('error', fail);
    socket.on('close', () => fail());
    this.#socket = socket;
    return socket;
  }
}

function encode(args) {
  const parts = [`*${args.length}\r\n`];
  for (const arg of args) {
    const text = String(arg);
    parts.push(`$${Buffer.byteLength(text)}\r\n${text}\r\n`);
  }
  return parts.join('');
}

/** Parses one reply at `offset`; returns null while the reply is still incomplete. */
function parse(buffer, offset) {
  const lineEnd = buffer.indexOf('\r\n', offset);
  if (lineEnd < 0) return null;
  const type = String.fromCharCode(buffer[offset]);
  const line = buffer.toString('utf8', offset + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case '+':
      return { value: line, end: next };
    case '-':
      return { value: new Error(line), end: next };
    case ':':
      return { value: Number(line), end: next };
    case '$': {
      const length = Number(line);
      if (length < 0) return { value: null, end: next };
      if (buffer.length < next + length + 2) return null;
      return { value: buffer.toString('utf8', next, next + length), end: next + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, end: next };
      const items = [];
      let cursor = next;
      for (let i = 0; i < count; i += 1) {
        const item = parse(buffer, cursor);
        if (!item) return null;
        items.push(item.value);
        cursor = item.end;
      }
      return { value: items, end: cursor };
    }
    default:
      throw new Error(`unexpected RESP reply type ${JSON.stringify(type)}`);
  }
}
