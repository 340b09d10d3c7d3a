/** Entry point of the eip-agent executable (bundled into dist/eip-agent.cjs). */
import { runCli } from './cli';

// The bundled SDK version supports Node 20; its notice about future versions is noise in
// keepalived's track script and the daemon's JSON log.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

runCli(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`eip-agent: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
