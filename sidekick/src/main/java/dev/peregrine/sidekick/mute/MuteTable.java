package dev.peregrine.sidekick.mute;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.sql.DataSource;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/** Mutes kept in the alert store's database (SQLite or PostgreSQL, standard SQL), so they survive restarts. */
final class MuteTable {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final DataSource db;

    MuteTable(DataSource db) {
        this.db = db;
        try (Connection c = db.getConnection();
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS mutes(id TEXT PRIMARY KEY, rule TEXT NOT NULL, fields TEXT NOT NULL,"
                    + " comment TEXT NOT NULL, created_by TEXT NOT NULL, created_at BIGINT NOT NULL, expires_at BIGINT,"
                    + " hits BIGINT NOT NULL)");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create the mutes table: " + e.getMessage(), e);
        }
    }

    List<Mute> all() throws SQLException {
        List<Mute> mutes = new ArrayList<>();
        try (Connection c = db.getConnection();
                Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery("SELECT id, rule, fields, comment, created_by, created_at, expires_at, hits"
                                + " FROM mutes ORDER BY created_at, id")) {
            while (rs.next()) {
                long expires = rs.getLong(7);
                boolean never = rs.wasNull();
                Map<String, String> fields =
                        JSON.readValue(rs.getString(3), new TypeReference<TreeMap<String, String>>() {});
                mutes.add(new Mute(
                        rs.getString(1),
                        rs.getString(2),
                        new TreeMap<>(fields),
                        rs.getString(4),
                        rs.getString(5),
                        Instant.ofEpochMilli(rs.getLong(6)),
                        never ? null : Instant.ofEpochMilli(expires),
                        rs.getLong(8)));
            }
        }
        return mutes;
    }

    void insert(Mute m) throws SQLException {
        try (Connection c = db.getConnection();
                PreparedStatement p = c.prepareStatement("INSERT INTO mutes(id, rule, fields, comment, created_by,"
                        + " created_at, expires_at, hits) VALUES(?, ?, ?, ?, ?, ?, ?, 0)")) {
            p.setString(1, m.id());
            p.setString(2, m.rule());
            p.setString(3, JSON.writeValueAsString(m.fields()));
            p.setString(4, m.comment());
            p.setString(5, m.createdBy());
            p.setLong(6, m.createdAt().toEpochMilli());
            if (m.expiresAt() == null) {
                p.setNull(7, Types.BIGINT);
            } else {
                p.setLong(7, m.expiresAt().toEpochMilli());
            }
            p.executeUpdate();
        }
    }

    boolean delete(String id) throws SQLException {
        try (Connection c = db.getConnection();
                PreparedStatement p = c.prepareStatement("DELETE FROM mutes WHERE id = ?")) {
            p.setString(1, id);
            return p.executeUpdate() == 1;
        }
    }

    /** Adds held-back counts: several sidekicks sharing one database each add their own. */
    void addHits(Map<String, Long> hits) throws SQLException {
        try (Connection c = db.getConnection();
                PreparedStatement p = c.prepareStatement("UPDATE mutes SET hits = hits + ? WHERE id = ?")) {
            for (Map.Entry<String, Long> h : hits.entrySet()) {
                p.setLong(1, h.getValue());
                p.setString(2, h.getKey());
                p.addBatch();
            }
            p.executeBatch();
        }
    }
}
