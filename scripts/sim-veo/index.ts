export { startSimVeo, type SimVeo, type SimVeoOptions, type SimVeoStats, type RecordedStart } from './simVeoServer';
export { type SimVeoFaults, type SimVeoFaultsPatch, type OutputMode, START_FAILURE_STATUSES, DEFAULT_FILTER_REASONS } from './faults';
export { makeTinyMp4, placeholderSize } from './tinyMp4';
