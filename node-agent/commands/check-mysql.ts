import { Command } from 'commander';
export function registerCheckMysql(_program: Command): void {}
