// Classroom mode's pure parts: which Host names a lab answers to, the instructor's key, the
// client's address behind the site's proxy, the address the Join line gives (and the fallback
// when the machine has no LAN address), and the QR code drawn for it.
import type http from 'node:http';
import type os from 'node:os';
import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import {
  classroomPlace,
  formatInstructorLine,
  formatJoinLine,
  lanAddress,
  readClassroomLines,
} from '../../sandboxes/platform/classroom/lines.ts';
import { hostAllowed, hostName, parseAllowedHosts } from '../../sandboxes/platform/http.ts';
import {
  clientAddress,
  isLoopback,
  keyMatches,
  presentedKey,
} from '../../sandboxes/platform/instructor-key.ts';
import { modulesFromTerminal, modulesOfSymbol } from './classroom-qr.ts';

type Interfaces = ReturnType<typeof os.networkInterfaces>;

function entry(address: string, internal = false): os.NetworkInterfaceInfo {
  return {
    address,
    netmask: '255.255.255.0',
    family: 'IPv4',
    mac: '00:00:00:00:00:00',
    internal,
    cidr: `${address}/24`,
  };
}

// Just what the functions read of a request: its headers and its socket's address.
function requestFrom(peer: string, headers: http.IncomingHttpHeaders = {}): http.IncomingMessage {
  return { headers, socket: { remoteAddress: peer } } as unknown as http.IncomingMessage;
}

describe('host names (DNS rebinding)', () => {
  it('answers to localhost, IP literals, its own host and the allowed names, with or without a port', () => {
    const options = { ownHost: 'laptop.lan', allowed: parseAllowedHosts(' Room.Example ,x.test') };
    for (const host of [
      'localhost',
      'localhost:3000',
      '127.0.0.1:3000',
      '192.0.2.7',
      '[::1]:3000',
      'laptop.lan:4321',
      'room.example',
      'X.TEST:80',
    ]) {
      expect(hostAllowed(host, options), host).toBe(true);
    }
  });

  it('refuses every other name, a rebinding page included', () => {
    for (const host of [
      'evil.example',
      'evil.example:3000',
      'localhost.evil.example',
      '127.0.0.1.nip.io',
    ]) {
      expect(hostAllowed(host, { ownHost: '127.0.0.1' }), host).toBe(false);
    }
  });

  it('accepts any name when framed, where the relay picks the Host', () => {
    expect(hostAllowed('k3x9-3000.preview.invalid', { framed: true })).toBe(true);
  });

  it('reads the name out of a Host header', () => {
    expect(hostName('[::1]:3000')).toBe('::1');
    expect(hostName('Example.org:8080')).toBe('example.org');
    expect(hostName('::1')).toBe('::1');
    expect(hostName('localhost.:3000')).toBe('localhost');
    expect(hostName('evil.example.')).toBe('evil.example');
  });
});

describe("the instructor's key", () => {
  it('matches only the same key, from the Bearer header or the cookie', () => {
    expect(keyMatches('s3cret-key', 's3cret-key')).toBe(true);
    expect(keyMatches('s3cret-kez', 's3cret-key')).toBe(false);
    expect(keyMatches('', 's3cret-key')).toBe(false);
    expect(keyMatches(null, 's3cret-key')).toBe(false);
    expect(presentedKey(requestFrom('127.0.0.1', { authorization: 'Bearer abc' }))).toBe('abc');
    expect(presentedKey(requestFrom('127.0.0.1', { cookie: 'a=1; lab.instructor=xyz' }))).toBe(
      'xyz',
    );
    expect(presentedKey(requestFrom('127.0.0.1', { authorization: 'Basic abc' }))).toBeNull();
  });
});

describe("the client's address behind the site's proxy", () => {
  it('trusts only the last X-Forwarded-For entry, the one the proxy appended', () => {
    expect(clientAddress(requestFrom('127.0.0.1'))).toBe('127.0.0.1');
    expect(clientAddress(requestFrom('127.0.0.1', { 'x-forwarded-for': '127.0.0.1' }))).toBe(
      '127.0.0.1',
    );
    // A phone that claims to be 127.0.0.1 is still the phone: the proxy wrote its address last.
    expect(
      clientAddress(requestFrom('127.0.0.1', { 'x-forwarded-for': '127.0.0.1,192.0.2.50' })),
    ).toBe('192.0.2.50');
    // A client that reaches the server directly is its socket's address, whatever it claims.
    expect(clientAddress(requestFrom('192.0.2.50', { 'x-forwarded-for': '127.0.0.1' }))).toBe(
      '192.0.2.50',
    );
    expect(isLoopback('::ffff:127.0.0.1')).toBe(true);
    expect(isLoopback('::1')).toBe(true);
    expect(isLoopback('192.0.2.50')).toBe(false);
  });
});

describe('the Join line', () => {
  const room: Interfaces = {
    lo: [entry('127.0.0.1', true)],
    docker0: [entry('172.17.0.1')],
    wlan0: [entry('192.168.1.23')],
  };

  it('gives the LAN address, not a bridge, and listens on every interface', () => {
    expect(lanAddress(room)).toBe('192.168.1.23');
    expect(classroomPlace(undefined, room)).toEqual({
      listen: '0.0.0.0',
      join: '192.168.1.23',
      warning: null,
    });
  });

  it('says so and falls back to 127.0.0.1 when there is no LAN interface', () => {
    const place = classroomPlace(undefined, { lo: [entry('127.0.0.1', true)] });
    expect(place.listen).toBe('127.0.0.1');
    expect(place.join).toBe('127.0.0.1');
    expect(place.warning).toMatch(/No network interface besides loopback/);
    expect(formatJoinLine(place.join, 3000)).toBe('Join: http://127.0.0.1:3000/join');
  });

  it('keeps an address LAB_HOST names', () => {
    expect(classroomPlace('192.168.1.23', room)).toEqual({
      listen: '192.168.1.23',
      join: '192.168.1.23',
      warning: null,
    });
  });

  it('prints the two lines in their exact form, and reads them back', () => {
    const output = `${formatJoinLine('192.168.1.23', 3000)}\n${formatInstructorLine(3000, 'k-1_x')}\n`;
    expect(output).toBe(
      'Join: http://192.168.1.23:3000/join\nInstructor: http://127.0.0.1:3000/?key=k-1_x\n',
    );
    expect(readClassroomLines(output)).toEqual({
      join: 'http://192.168.1.23:3000/join',
      instructor: 'http://127.0.0.1:3000/?key=k-1_x',
    });
  });

  it("draws a QR code that reads back as the Join URL's symbol", async () => {
    const url = 'http://192.168.1.23:3000/join';
    const drawing = await QRCode.toString(url, { type: 'terminal', small: true });
    const symbol = QRCode.create(url).modules;
    expect(modulesFromTerminal(drawing, symbol.size)).toEqual(modulesOfSymbol(symbol));
    // And not the symbol of another URL.
    const other = QRCode.create('http://192.168.1.24:3000/join').modules;
    expect(modulesFromTerminal(drawing, other.size)).not.toEqual(modulesOfSymbol(other));
  });
});
