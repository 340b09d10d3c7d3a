import { DescribeAddressesCommand } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsEipOwnership, createEc2Client } from '../../node-agent/eip/aws';
import { DEFAULT_EIP_POLL_INTERVAL_MS, EipPoller } from '../../node-agent/eip/poller';
import type { EipHolder } from '../../node-agent/eip/ownership';

const ALLOC = 'eipalloc-0123456789abcdef0';
const SELF = { networkInterfaceId: 'eni-0aaaaaaaaaaaaaaaa', instanceId: 'i-0aaaaaaaaaaaaaaaa' };
const PEER = { networkInterfaceId: 'eni-0bbbbbbbbbbbbbbbb', instanceId: 'i-0bbbbbbbbbbbbbbbb' };

const ec2 = createEc2Client({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });
const ec2Mock = mockClient(ec2);
const ownership = new AwsEipOwnership({ ec2, allocationId: ALLOC, self: SELF, peer: PEER });

/** Where the mocked EC2 says the EIP is: an ENI, nowhere (null) or 'throttle'. */
let eipOn: string | null | 'throttle';
beforeEach(() => {
  ec2Mock.reset();
  eipOn = SELF.networkInterfaceId;
  ec2Mock.on(DescribeAddressesCommand).callsFake(() => {
    if (eipOn === 'throttle') throw Object.assign(new Error('Request limit exceeded.'), { name: 'RequestLimitExceeded' });
    return { Addresses: [{ AllocationId: ALLOC, ...(eipOn ? { AssociationId: 'eipassoc-1', NetworkInterfaceId: eipOn } : {}) }] };
  });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('EipPoller', () => {
  test('defaults to polling every 2 s', () => {
    expect(new EipPoller(ownership).intervalMs).toBe(DEFAULT_EIP_POLL_INTERVAL_MS);
    expect(DEFAULT_EIP_POLL_INTERVAL_MS).toBe(2000);
  });

  test('unknown before the first answer', () => {
    const poller = new EipPoller(ownership);
    expect(poller.current()).toBe('unknown');
    expect(poller.latest()).toEqual({ holder: 'unknown', observedAtMs: null, ageMs: null, detail: 'not polled yet', lastError: null });
  });

  test('caches the answer with its age; stale answers read as unknown', async () => {
    let now = 1_000_000;
    const poller = new EipPoller(ownership, { intervalMs: 2000, now: () => now });
    await poller.pollNow();
    now += 1500;
    expect(poller.latest()).toMatchObject({ holder: 'self', observedAtMs: 1_000_000, ageMs: 1500, lastError: null });
    expect(poller.current()).toBe('self');
    now += 4500; // 6000 ms old: exactly 3 intervals is still fresh
    expect(poller.current()).toBe('self');
    now += 1;
    expect(poller.current()).toBe('unknown');
    expect(poller.current(10_000)).toBe('self');
  });

  test('a throttled poll keeps the last definite answer and reports the error', async () => {
    let now = 0;
    const poller = new EipPoller(ownership, { now: () => now });
    await poller.pollNow();
    eipOn = 'throttle';
    now = 1000;
    const reading = await poller.pollNow();
    expect(reading).toMatchObject({ holder: 'self', observedAtMs: 0, ageMs: 1000 });
    expect(reading.lastError).toMatch(/RequestLimitExceeded/);
    eipOn = PEER.networkInterfaceId;
    expect(await poller.pollNow()).toMatchObject({ holder: 'other', observedAtMs: 1000, lastError: null });
  });

  test('onChange fires on each change of holder, not on repeats or failures', async () => {
    const changes: [EipHolder, EipHolder][] = [];
    const poller = new EipPoller(ownership, { onChange: (h, prev) => changes.push([h, prev]) });
    for (const where of [SELF.networkInterfaceId, SELF.networkInterfaceId, 'throttle', null, PEER.networkInterfaceId, 'eni-0cccccccccccccccc']) {
      eipOn = where;
      await poller.pollNow();
    }
    expect(changes).toEqual([
      ['self', 'unknown'],
      ['none', 'self'],
      ['other', 'none'],
    ]);
  });

  test('concurrent pollNow calls share one DescribeAddresses', async () => {
    const poller = new EipPoller(ownership);
    const [a, b] = await Promise.all([poller.pollNow(), poller.pollNow()]);
    expect(a).toEqual(b);
    expect(ec2Mock.commandCalls(DescribeAddressesCommand)).toHaveLength(1);
  });

  test('start() polls at once and then at the interval; stop() ends it', async () => {
    const poller = new EipPoller(ownership, { intervalMs: 40 });
    poller.start();
    poller.start(); // idempotent
    await sleep(10);
    expect(ec2Mock.commandCalls(DescribeAddressesCommand)).toHaveLength(1);
    expect(poller.current()).toBe('self');
    await sleep(200);
    poller.stop();
    const calls = ec2Mock.commandCalls(DescribeAddressesCommand).length;
    expect(calls).toBeGreaterThanOrEqual(4);
    expect(calls).toBeLessThanOrEqual(7);
    await sleep(120);
    expect(ec2Mock.commandCalls(DescribeAddressesCommand)).toHaveLength(calls);
  });
});
