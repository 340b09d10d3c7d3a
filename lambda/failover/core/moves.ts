/** State changes around one move: claim it, record it once confirmed, or release the claim. Pure. */
import type { ClusterState, MoveReason, PendingMove } from './types';

export function claimMove(
  state: ClusterState,
  move: { moveId: string; targetNodeId: string; fromNodeId: string | null; reason: MoveReason; nowMs: number; leaseUntilMs: number },
): ClusterState {
  const pendingMove: PendingMove = {
    moveId: move.moveId,
    targetNodeId: move.targetNodeId,
    fromNodeId: move.fromNodeId,
    reason: move.reason,
    startedAtMs: move.nowMs,
    leaseUntilMs: move.leaseUntilMs,
  };
  return { ...state, pendingMove };
}

/** After DescribeAddresses showed the EIP on the target. Applied to whatever state is current. */
export function recordMove(state: ClusterState, moveId: string, targetNodeId: string, confirmedAtMs: number): ClusterState {
  const { noHealthyWriter: _resolvedByTheMove, ...alerts } = state.alerts;
  return {
    ...state,
    holder: { nodeId: targetNodeId, sinceMs: confirmedAtMs },
    lastMoveAtMs: confirmedAtMs,
    moveCount: state.moveCount + 1,
    pendingMove: state.pendingMove?.moveId === moveId ? null : state.pendingMove,
    failedMove: null,
    alerts,
  };
}

/**
 * After a failed move: drop our claim so a retry or the next tick may act at once, and remember the
 * failure so that Lambda's retry of the same event re-evaluates instead of being a duplicate.
 */
export function releaseMove(state: ClusterState, moveId: string, failure: { targetNodeId: string; atMs: number; error: string }): ClusterState {
  return {
    ...state,
    pendingMove: state.pendingMove?.moveId === moveId ? null : state.pendingMove,
    failedMove: { moveId, ...failure },
  };
}
