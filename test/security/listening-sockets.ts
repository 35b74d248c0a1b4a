/**
 * Reads the kernel's table of listening TCP sockets (/proc/net/tcp and tcp6, Linux), so a test can
 * check the address a server really bound, not the one it claims.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface ListeningSocket {
  /** Dotted IPv4, or IPv6 in full lowercase hex groups. */
  readonly address: string;
  readonly port: number;
  readonly inode: string;
}

function ipv4(hex: string): string {
  // Little-endian 32-bit word.
  return [6, 4, 2, 0].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)).join('.');
}

function ipv6(hex: string): string {
  // Four little-endian 32-bit words.
  const bytes: string[] = [];
  for (let w = 0; w < 4; w++) {
    const word = hex.slice(w * 8, w * 8 + 8);
    for (const i of [6, 4, 2, 0]) bytes.push(word.slice(i, i + 2));
  }
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(`${bytes[i]}${bytes[i + 1]}`.toLowerCase());
  return groups.join(':');
}

export function listeningSockets(): ListeningSocket[] {
  const out: ListeningSocket[] = [];
  for (const [file, decode] of [
    ['/proc/net/tcp', ipv4],
    ['/proc/net/tcp6', ipv6],
  ] as const) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const [, local, , state] = cols;
      if (!local || state !== '0A') continue;
      const [addr, port] = local.split(':');
      if (!addr || !port) continue;
      out.push({ address: decode(addr), port: Number.parseInt(port, 16), inode: cols[9] ?? '' });
    }
  }
  return out;
}

/** The listening sockets on `port` (any process). */
export function listenersOnPort(port: number): ListeningSocket[] {
  return listeningSockets().filter((s) => s.port === port);
}

/** The listening sockets owned by process `pid` (through its socket file descriptors). */
export function listenersOfPid(pid: number): ListeningSocket[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m?.[1]) inodes.add(m[1]);
    } catch {
      // The descriptor closed meanwhile.
    }
  }
  return listeningSockets().filter((s) => inodes.has(s.inode));
}

const LOOPBACK = new Set(['127.0.0.1', '0000:0000:0000:0000:0000:0000:0000:0001']);

export function isLoopback(socket: ListeningSocket): boolean {
  return LOOPBACK.has(socket.address) || socket.address.startsWith('127.');
}
