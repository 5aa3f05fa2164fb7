package dev.peregrine.detector.container;

/**
 * Splits an image reference the way Falco does for {@code container.image.repository} and
 * {@code container.image.tag}: {@code [host[:port]/]path[:tag][@digest]}. The repository keeps the
 * registry host and port ({@code localhost:5000/team/app}); a colon before the last '/' belongs to
 * the host, not the tag; the digest ({@code @sha256:...}) is split off first.
 */
public final class ImageNames {
    /**
     * @param repository everything before the tag and digest
     * @param tag the tag, "" when the reference has none
     * @param digest e.g. {@code sha256:abc...}, "" when none
     */
    public record Parts(String repository, String tag, String digest) {}

    private ImageNames() {}

    public static Parts split(String image) {
        if (image == null) return new Parts("", "", "");
        String rest = image;
        String digest = "";
        int at = rest.indexOf('@');
        if (at >= 0) {
            digest = rest.substring(at + 1);
            rest = rest.substring(0, at);
        }
        String tag = "";
        int colon = rest.lastIndexOf(':');
        if (colon > rest.lastIndexOf('/')) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
        }
        return new Parts(rest, tag, digest);
    }
}
