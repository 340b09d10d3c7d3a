#!/usr/bin/env node
/** The CDK app (cdk.json: "app": "npx tsx bin/eip-failover.ts"). Parameters: docs/deploy.md. */
import { App } from 'aws-cdk-lib';
import { buildApp } from '../lib/cdk/app';

const app = new App();
buildApp(app);
app.synth();
