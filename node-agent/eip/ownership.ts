/**
 * The EIP ownership port: who holds the cluster's Elastic IP right now, as this node sees it.
 * Kept to one method so the lab can plug in its own adapter (nftables map) next to AWS's.
 */

/** 'other' covers any holder but this node (the peer or a foreign ENI); 'unknown': could not tell. */
export type EipHolder = 'self' | 'other' | 'none' | 'unknown';

export interface EipOwnership {
  /** Never throws: a failure to find out is 'unknown'. */
  holder(): Promise<EipHolder>;
}
