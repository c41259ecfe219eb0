export { createVeoVideoModel, VeoVideoModel, type VeoAuth, type VeoVideoModelOptions } from './veoVideoModel';
export { GENERATION_LABEL, ACCOUNT_LABEL, vertexLabelValue } from './vertexLabels';
