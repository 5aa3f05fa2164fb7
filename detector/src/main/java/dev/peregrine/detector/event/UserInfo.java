package dev.peregrine.detector.event;

/** The user and group the thread ran as; {@code loginuid} is -1 when no login session is attached. */
public record UserInfo(
        long uid, String name, long loginuid, String loginname, String homedir, String shell, long gid, String group) {
    public static final UserInfo UNKNOWN =
            new UserInfo(Event.NONE, null, Event.NONE, null, null, null, Event.NONE, null);
}
