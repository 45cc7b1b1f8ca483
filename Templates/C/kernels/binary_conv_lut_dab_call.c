{{if producesSums}}
/* Per output channel, compensated lane sums of the stored values, written after the
 * tensor for the DAB of the next layer. */
float *lanes = (float *)(void *)(scratch + {{lanesOffset}});
for (int i = 0; i < {{outChannels * 2 * lanes}}; ++i) lanes[i] = 0.0f;
{{end}}
{{if mergesBypass}}
float *merged = (float *)(void *)(scratch + {{mergedOffset}});
{{end}}
{{fn}}_dab(x, signs, scale{{if mergesBypass}}, merged{{end}});
