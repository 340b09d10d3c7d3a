/**
 * Agent distribution: the agent package as an S3 asset, an SSM Command document that installs
 * and configures a node (install-script.ts), and a State Manager association that runs it on the
 * instances tagged as this cluster, one at a time (MaxConcurrency 1) and stopping at the first
 * failure (MaxErrors 0). The association reruns whenever its parameters change (a new package,
 * config or secret), again one node at a time.
 */
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as assets from 'aws-cdk-lib/aws-s3-assets';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { DEFAULT_AGENT_PACKAGE_DIR, checkAgentPackage } from './agent-package';
import type { ClusterDocument } from './cluster-document';
import { DOWNLOAD_DIR, INSTALL_PARAMETERS, installScript } from './install-script';
import { TAG_CLUSTER } from './names';
import type { PairNode } from './nodes';
import type { PairSecrets } from './secrets';

export interface AgentDistributionProps {
  readonly clusterName: string;
  readonly config: ClusterDocument;
  readonly secrets: PairSecrets;
  readonly nodes: readonly [PairNode, PairNode];
  /**
   * Directory uploaded as the agent package (eip-agent.cjs, install-agent.sh, systemd/).
   * @default dist/agent-package (assembled by the app, see agent-package.ts)
   */
  readonly packageDir?: string;
  /**
   * Seconds the install step may take (packages, Node.js, bootstrap with a restart).
   * @default 1800
   */
  readonly timeoutSeconds?: number;
}

export class AgentDistribution extends Construct {
  public readonly asset: assets.Asset;
  public readonly document: ssm.CfnDocument;
  public readonly association: ssm.CfnAssociation;

  constructor(scope: Construct, id: string, props: AgentDistributionProps) {
    super(scope, id);
    const packageDir = props.packageDir ?? DEFAULT_AGENT_PACKAGE_DIR;
    checkAgentPackage(packageDir);
    this.asset = new assets.Asset(this, 'Package', { path: packageDir });

    const parameters = Object.fromEntries(INSTALL_PARAMETERS.map((name) => [name, { type: 'String', description: name }]));
    this.document = new ssm.CfnDocument(this, 'Document', {
      documentType: 'Command',
      documentFormat: 'JSON',
      updateMethod: 'NewVersion',
      content: {
        schemaVersion: '2.2',
        description: `eip-failover ${props.clusterName}: install Node.js, keepalived, MariaDB and the agent; bootstrap replication; apply the config; enable the daemon`,
        parameters,
        mainSteps: [
          {
            action: 'aws:downloadContent',
            name: 'DownloadAgentPackage',
            inputs: { sourceType: 'S3', sourceInfo: '{"path":"{{ PackageUrl }}"}', destinationPath: DOWNLOAD_DIR },
          },
          {
            action: 'aws:runShellScript',
            name: 'InstallAndConfigure',
            inputs: { timeoutSeconds: String(props.timeoutSeconds ?? 1800), runCommand: installScript(props.config.validated) },
          },
        ],
      },
    });

    const s = props.secrets.secrets;
    this.association = new ssm.CfnAssociation(this, 'Association', {
      name: this.document.ref,
      associationName: `eip-failover-${props.clusterName}-install`,
      targets: [{ key: `tag:${TAG_CLUSTER}`, values: [props.clusterName] }],
      maxConcurrency: '1',
      maxErrors: '0',
      complianceSeverity: 'HIGH',
      parameters: {
        PackageUrl: [this.asset.httpUrl],
        ConfigParameter: [props.config.parameterName],
        Region: [Stack.of(this).region],
        ReplicationSecret: [s.replication.secretArn],
        HealthCheckSecret: [s.healthCheck.secretArn],
        ProbeSecret: [s.probe.secretArn],
      },
    });
    // The instances must exist (and carry the tag) before the association targets them, and reach
    // SSM, S3 and the package mirrors through their own egress address before the install runs.
    for (const n of props.nodes) {
      if (n.instance) this.association.node.addDependency(n.instance);
      if (n.egressAddress) this.association.node.addDependency(n.egressAddress.association);
    }

    for (const node of props.nodes) {
      node.role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [Stack.of(this).formatArn({ service: 's3', region: '', account: '', resource: this.asset.s3BucketName, resourceName: this.asset.s3ObjectKey })] }));
      node.role.addToPolicy(new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [s.replication.secretArn, s.healthCheck.secretArn, s.probe.secretArn] }));
      props.config.grantRead(node.role);
    }
  }
}
