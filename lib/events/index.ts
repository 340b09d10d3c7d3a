/** The agent event contract, shared by the agent, the controller and the lab. */
export * from './schema';
export * from './order';
export * from './entry';
export * from './parse';
export * from './pattern';
