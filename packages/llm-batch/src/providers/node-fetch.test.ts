import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createNodeFetch } from './node-fetch.js';

async function server(handler: Parameters<typeof createServer>[1]) {
  const s = createServer(handler);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  return {
    url,
    [Symbol.asyncDispose]: () =>
      new Promise<void>((resolve) => {
        s.closeAllConnections();
        s.close(() => resolve());
      }),
  };
}

describe('createNodeFetch', () => {
  const fetch = createNodeFetch();

  it('sends method, headers and body; returns status, headers and a body readable once', async () => {
    await using s = await server((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        res.setHeader('set-cookie', ['a=1', 'b=2']);
        res.writeHead(201, { 'content-type': 'application/json', 'x-echo': String(req.headers['x-test']) });
        res.end(JSON.stringify({ method: req.method, body }));
      });
    });
    const response = await fetch(`${s.url}/x`, { method: 'POST', headers: new Headers({ 'X-Test': 'yes' }), body: 'hello' });
    expect(response).toBeInstanceOf(Response);
    expect(response.status).toBe(201);
    expect(response.ok).toBe(true);
    expect(response.headers.get('x-echo')).toBe('yes');
    expect(response.headers.get('set-cookie')).toBe('a=1, b=2');
    expect(response.body?.locked).toBe(false);
    const copy = response.clone();
    expect(await response.json()).toEqual({ method: 'POST', body: 'hello' });
    expect(response.bodyUsed).toBe(true);
    await expect(response.text()).rejects.toThrow(/already been read/);
    expect(await copy.text()).toBe('{"method":"POST","body":"hello"}');
  });

  it('rejects with an AbortError when the signal aborts, and a TypeError when the connection drops', async () => {
    await using s = await server((req) => {
      if (req.url === '/reset') req.socket.destroy();
    });
    const controller = new AbortController();
    const pending = fetch(`${s.url}/hang`, { method: 'POST', body: '{}', signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await expect(fetch(`${s.url}/x`, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    await expect(fetch(`${s.url}/reset`, { method: 'POST', body: '{}' })).rejects.toThrow(TypeError);
  });

  it('gives a null body for 204', async () => {
    await using s = await server((_req, res) => {
      res.writeHead(204);
      res.end();
    });
    const response = await fetch(s.url);
    expect(response.status).toBe(204);
    expect(response.body).toBeNull();
    expect(await response.text()).toBe('');
  });
});
