import { Command } from 'commander';
export function registerApply(_program: Command): void {}
