/**
 * The container's metrics (src/adapters/metrics-emf.ts): one buffer per Lambda container, flushed by
 * the handler middleware after every invocation (src/handlers/lib/middleware.ts).
 */
import { emfMetrics, type EmfMetrics } from '../../adapters/metrics-emf.ts';

let metrics: EmfMetrics | undefined;

export function containerMetrics(): EmfMetrics {
  return (metrics ??= emfMetrics({ stage: process.env['STAGE'] ?? 'dev' }));
}
