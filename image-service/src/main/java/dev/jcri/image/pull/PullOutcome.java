package dev.jcri.image.pull;

import dev.jcri.image.store.ImageRecord;
import java.time.Duration;

/** What one pull did, for the RPC's answer, the pull log line and metrics. */
public record PullOutcome(
        ImageRecord image, String reference, int layersFetched, int layersReused, long bytesFetched, Duration took) {}
