/**
 * ProbeSink for Lambda: the round's EMF lines on stdout, in one write. Written to the stream, not
 * through console.log: Lambda's console prefixes each line (time, request id, level), and
 * CloudWatch only extracts metrics from lines that are the JSON document alone.
 */
import type { EmittedRound, ProbeSink } from '../ports';

export class EmfStdoutSink implements ProbeSink {
  constructor(private readonly write: (text: string) => void = (text) => void process.stdout.write(text)) {}

  emit(round: EmittedRound): void {
    if (round.lines.length) this.write(`${round.lines.join('\n')}\n`);
  }
}
