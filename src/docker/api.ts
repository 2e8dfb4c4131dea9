import type { ChildProcessByStdio } from 'node:child_process';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { Duplex, type Readable, type Writable } from 'node:stream';
import { LockstepError } from '../errors.js';
import { startStream } from '../exec/run.js';
import { dockerEnv, type DockerHost } from './host.js';

/**
 * The few Docker Engine API calls a deploy makes many times (list, inspect, create, remove), over HTTP
 * instead of one docker CLI process each: a deploy polls containers every quarter second, and a CLI
 * process costs tens to hundreds of milliseconds to start. A unix socket is used directly; any other
 * host (ssh://, tcp:// with TLS, a docker context) goes through `docker system dial-stdio`, so the CLI
 * still does the ssh, TLS and context part exactly as for every other docker command.
 */
export interface DockerApiResponse {
  status: number;
  body: string;
  /** The body as sent, for the answers that are not text (log streams). */
  bytes: Buffer;
}

export interface DockerRequest {
  method?: 'GET' | 'POST' | 'DELETE';
  query?: Record<string, string | string[]>;
  json?: unknown;
  raw?: Buffer;
  timeoutMs?: number;
}

const maxBodyBytes = 64 * 1024 * 1024;

export class DockerApi {
  private readonly agent: Agent;

  constructor(private readonly host: DockerHost) {
    // A unix socket is cheap to keep open between the polls of a rollout; a dial-stdio process is one
    // connection per request. Idle sockets are unref'd so they never keep the process alive.
    this.agent = new Agent({ keepAlive: host.socketPath !== null, maxSockets: 8 });
    this.agent.createConnection = (() => this.connection()) as unknown as Agent['createConnection'];
  }

  /** How requests reach the daemon, for messages. */
  get transport(): 'unix socket' | 'docker system dial-stdio' {
    return this.host.socketPath === null ? 'docker system dial-stdio' : 'unix socket';
  }

  async call(path: string, options: DockerRequest = {}): Promise<DockerApiResponse> {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(options.query ?? {})) {
      for (const item of Array.isArray(value) ? value : [value]) query.append(key, item);
    }
    const target = `${path}${query.size > 0 ? `?${query.toString()}` : ''}`;
    const body = options.raw ?? (options.json === undefined ? undefined : Buffer.from(JSON.stringify(options.json)));
    const headers: Record<string, string> = { host: 'docker' };
    if (body) {
      headers['content-type'] = options.raw ? 'application/x-tar' : 'application/json';
      headers['content-length'] = String(body.length);
    }
    const timeoutMs = options.timeoutMs ?? 60_000;
    return new Promise((resolve, reject) => {
      const req = request(
        { method: options.method ?? 'GET', path: target, headers, agent: this.agent, timeout: timeoutMs },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBodyBytes) req.destroy(new Error(`the answer to ${path} is over ${maxBodyBytes} bytes`));
            else chunks.push(chunk);
          });
          res.on('end', () => {
            const bytes = Buffer.concat(chunks);
            resolve({ status: res.statusCode ?? 0, body: bytes.toString('utf8'), bytes });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', (error) => reject(new LockstepError('DOCKER', `docker API ${options.method ?? 'GET'} ${path}: ${error.message}`, { cause: error })));
      req.end(body);
    });
  }

  /**
   * Opens a streaming GET (the event stream) and hands every line the daemon sends to `onLine`, until
   * `close` is called or the daemon ends the stream. A stream that cannot be opened, or breaks, just
   * ends: its users still poll, and the stream only spares them the wait for the next poll.
   */
  streamLines(path: string, query: Record<string, string>, onLine: (line: string) => void): { close(): void } {
    const req = request({ method: 'GET', path: `${path}?${new URLSearchParams(query).toString()}`, headers: { host: 'docker' }, agent: this.agent }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return;
      }
      let pending = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        const lines = (pending + chunk).split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) if (line.trim() !== '') onLine(line);
      });
      res.on('error', () => undefined);
    });
    // The stream never ends by itself: it must not keep the process alive once nothing else does.
    req.on('socket', (socket) => socket.unref());
    req.on('error', () => undefined);
    req.end();
    return { close: () => req.destroy() };
  }

  /** Calls and parses JSON, turning any status outside `ok` into a DOCKER error with the daemon's message. */
  async json<T>(path: string, options: DockerRequest & { ok?: number[] } = {}): Promise<{ status: number; value: T | null }> {
    const response = await this.call(path, options);
    const ok = options.ok ?? [200];
    if (!ok.includes(response.status)) throw apiError(options.method ?? 'GET', path, response);
    const text = response.body.trim();
    return { status: response.status, value: text === '' || response.status >= 300 ? null : (JSON.parse(text) as T) };
  }

  private connection(): Duplex {
    if (this.host.socketPath !== null) return connect({ path: this.host.socketPath });
    return new DialStdioSocket(startStream('docker', ['system', 'dial-stdio'], { env: dockerEnv(this.host) }));
  }
}

/**
 * A `docker system dial-stdio` process seen as the socket node's HTTP client expects: bytes in and
 * out, plus the socket methods the client calls. Destroying it ends the process.
 */
class DialStdioSocket extends Duplex {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly child: ChildProcessByStdio<Writable, Readable, null>) {
    super();
    child.stdout.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) child.stdout.pause();
    });
    child.stdout.on('end', () => this.push(null));
    child.on('error', (error) => this.destroy(error));
    child.stdin.on('error', (error) => this.destroy(error));
  }

  override _read(): void {
    this.child.stdout.resume();
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.child.stdin.write(chunk, encoding, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.child.stdin.end(callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    clearTimeout(this.timer);
    this.child.kill();
    callback(error);
  }

  setTimeout(ms: number, onTimeout?: () => void): this {
    clearTimeout(this.timer);
    if (onTimeout) this.once('timeout', onTimeout);
    if (ms > 0) this.timer = setTimeout(() => this.emit('timeout'), ms).unref();
    return this;
  }

  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  ref(): this {
    this.child.ref();
    return this;
  }

  unref(): this {
    this.child.unref();
    return this;
  }
}

export function apiError(method: string, path: string, response: DockerApiResponse): LockstepError {
  let message = response.body.trim();
  try {
    message = (JSON.parse(message) as { message?: string }).message ?? message;
  } catch {
    // Not JSON: the raw text is the message.
  }
  return new LockstepError('DOCKER', `docker API ${method} ${path} answered ${response.status}: ${message.split('\n')[0]}`);
}

/** `filters` as the API takes it: JSON of name -> values. */
export function labelFilter(...labels: string[]): Record<string, string> {
  return { filters: JSON.stringify({ label: labels }) };
}
