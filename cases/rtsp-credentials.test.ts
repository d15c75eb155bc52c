import { describe, expect, it } from 'vitest';
import { MASKED_PASSWORD, maskPassword, restorePassword } from './rtsp-credentials.js';

const hik = 'rtsp://admin:p%40ss@10.0.0.7:554/Streaming/Channels/101';
const dahua = 'rtsp://user:pw@cam.local:554/cam/realmonitor?channel=1&subtype=0';

describe('camera credentials', () => {
  it('masks the password and nothing else', () => {
    expect(maskPassword(hik)).toBe(`rtsp://admin:${MASKED_PASSWORD}@10.0.0.7:554/Streaming/Channels/101`);
    expect(maskPassword(dahua)).toBe(
      `rtsp://user:${MASKED_PASSWORD}@cam.local:554/cam/realmonitor?channel=1&subtype=0`,
    );
    expect(maskPassword('rtsp://10.0.0.7/live')).toBe('rtsp://10.0.0.7/live');
    expect(maskPassword('not a url')).toBe('not a url');
  });

  it('puts the stored password back only for the same user and host', () => {
    expect(restorePassword(maskPassword(hik), hik)).toBe(hik);
    const moved = maskPassword(hik).replace('10.0.0.7', '10.0.0.8');
    expect(restorePassword(moved, hik)).toBe(moved);
    expect(restorePassword(maskPassword(hik), undefined)).toBe(maskPassword(hik));
    expect(restorePassword('rtsp://admin:new@10.0.0.7/x', hik)).toBe('rtsp://admin:new@10.0.0.7/x');
  });
});
