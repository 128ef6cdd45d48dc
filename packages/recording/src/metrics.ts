/** The recording's metrics (names are a contract with the Helm chart's alerts), on the injected registry. */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Handles to every recording metric. */
export interface RecordingMetrics {
  events: Counter<'type'>;
  dropped: Counter<'reason'>;
  refused: Counter<'reason'>;
  spoolBytes: Gauge;
  spoolCapacity: Gauge;
  spoolDiskFull: Gauge;
  backlogBytes: Gauge;
  backlogSegments: Gauge;
  uploads: Counter<'outcome'>;
  uploadDuration: Histogram;
  uploadLag: Histogram;
  fsyncDuration: Histogram;
  oldestUnuploadedAge: Gauge;
}

function reuse<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

/** Registers (or reuses, when a registry already has them) the recording metrics. */
export function createRecordingMetrics(registry: Registry, oldestAge: () => number): RecordingMetrics {
  const registers = [registry];
  return {
    events: reuse(registry, 'snowtrail_recording_events_total', () => new Counter({ name: 'snowtrail_recording_events_total', help: 'Recording events made durable (or accepted, best-effort), by type.', labelNames: ['type'] as const, registers })),
    dropped: reuse(registry, 'snowtrail_recording_events_dropped_total', () => new Counter({ name: 'snowtrail_recording_events_dropped_total', help: 'Events dropped in best-effort mode, by reason.', labelNames: ['reason'] as const, registers })),
    refused: reuse(registry, 'snowtrail_recording_refused_total', () => new Counter({ name: 'snowtrail_recording_refused_total', help: 'Events refused in required mode (the statement was refused), by reason.', labelNames: ['reason'] as const, registers })),
    spoolBytes: reuse(registry, 'snowtrail_recording_spool_bytes', () => new Gauge({ name: 'snowtrail_recording_spool_bytes', help: 'Bytes held in the local spool (events and payload blobs), counted against its capacity.', registers })),
    spoolCapacity: reuse(registry, 'snowtrail_recording_spool_capacity_bytes', () => new Gauge({ name: 'snowtrail_recording_spool_capacity_bytes', help: 'Configured spool capacity.', registers })),
    spoolDiskFull: reuse(registry, 'snowtrail_recording_spool_disk_full', () => new Gauge({ name: 'snowtrail_recording_spool_disk_full', help: '1 while the spool disk is full (its reserve is released and new events are refused), else 0.', registers })),
    backlogBytes: reuse(registry, 'snowtrail_recording_backlog_bytes', () => new Gauge({ name: 'snowtrail_recording_backlog_bytes', help: 'Bytes of sealed segments not yet acknowledged by the store.', registers })),
    backlogSegments: reuse(registry, 'snowtrail_recording_backlog_segments', () => new Gauge({ name: 'snowtrail_recording_backlog_segments', help: 'Sealed segments not yet acknowledged by the store.', registers })),
    uploads: reuse(registry, 'snowtrail_recording_uploads_total', () => new Counter({ name: 'snowtrail_recording_uploads_total', help: 'Object uploads by outcome (each attempt).', labelNames: ['outcome'] as const, registers })),
    uploadDuration: reuse(registry, 'snowtrail_recording_upload_duration_seconds', () => new Histogram({ name: 'snowtrail_recording_upload_duration_seconds', help: 'Duration of one object upload.', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers })),
    uploadLag: reuse(registry, 'snowtrail_recording_upload_lag_seconds', () => new Histogram({ name: 'snowtrail_recording_upload_lag_seconds', help: 'Time from a segment\'s first event to its acknowledgement by the store.', buckets: [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900], registers })),
    fsyncDuration: reuse(registry, 'snowtrail_recording_fsync_duration_seconds', () => new Histogram({ name: 'snowtrail_recording_fsync_duration_seconds', help: 'Duration of one group-commit fdatasync.', buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1], registers })),
    oldestUnuploadedAge: reuse(registry, 'snowtrail_recording_oldest_unuploaded_age_seconds', () => new Gauge({
      name: 'snowtrail_recording_oldest_unuploaded_age_seconds',
      help: 'Age of the oldest event not yet acknowledged by the store (0 when none).',
      registers,
      collect() {
        this.set(oldestAge());
      },
    })),
  };
}
