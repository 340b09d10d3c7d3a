/** The lab probe's timing: the Lambda's defaults (lambda/probe/settings.ts). */
export const LAB_PROBE_EVERY_MS = 10_000;
export const LAB_PROBE_CONNECT_TIMEOUT_MS = 2_000;
