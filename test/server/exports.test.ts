// rnr/server exports what a program embedding the server needs, and nothing internal.
import { describe, expect, it } from 'vitest';
import * as server from '../../src/server/index.js';

describe('rnr/server', () => {
  it('exports createServer, the run host, the job registry, the close codes and the protobuf codec only', () => {
    expect(Object.keys(server).sort()).toEqual(
      [
        'createJobRegistry',
        'createRunHost',
        'createServer',
        'decodeError',
        'decodeEvent',
        'decodeEventList',
        'decodeJob',
        'decodeJobList',
        'decodeTask',
        'decodeWorkflowList',
        'encodeMessage',
        'JOB_GONE_CLOSE',
        'PROTOBUF_MEDIA_TYPE',
        'SLOW_CONSUMER_CLOSE',
        'TOO_MANY_SOCKETS_CLOSE',
      ].sort(),
    );
  });
});
