import java.io.FileReader;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.*;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.*;
import net.snowflake.client.api.resultset.QueryStatus;
import net.snowflake.client.api.resultset.SnowflakeAsyncResultSet;
import net.snowflake.client.api.statement.SnowflakeStatement;

/**
 * Driver compatibility harness for snowflake-jdbc (see docs/drivers.md): reads a config JSON
 * (args[0]), runs every case of drivers/cases.json on one connection, prints one JSON object with
 * each case's canonical values or the driver's own error (class, error code, SQLState).
 * No JSON library: the shaded jar keeps its own private, so a tiny reader and writer live here.
 */
public final class Harness {
  private static final DateTimeFormatter MILLIS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS");

  public static void main(String[] args) throws Exception {
    Map<String, Object> cfg = Json.obj(Json.parse(Files.readString(Path.of(args[0]))));
    List<Object> cases = Json.arr(Json.parse(Files.readString(Path.of((String) cfg.get("casesFile")))));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("driver", "snowflake-jdbc");
    Map<String, Object> results = new LinkedHashMap<>();
    try (Connection conn = connect(cfg)) {
      out.put("version", conn.getMetaData().getDriverVersion());
      for (Object o : cases) {
        Map<String, Object> c = Json.obj(o);
        if (c.get("mode") != null && !c.get("mode").equals(cfg.get("mode"))) continue;
        if (c.get("driver") != null && !c.get("driver").equals("snowflake-jdbc")) continue;
        Map<String, Object> r = new LinkedHashMap<>();
        try {
          r.put("ok", true);
          long started = System.nanoTime();
          r.putAll(runCase(conn, cfg, c));
          r.put("elapsedMs", Math.round((System.nanoTime() - started) / 1e5) / 10.0);
        } catch (Exception e) {
          r.clear();
          r.put("ok", false);
          r.put("failure", e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        results.put((String) c.get("name"), r);
      }
      out.put("cases", results);
      conn.close();
      out.put("closed", conn.isClosed());
    }
    System.out.println(Json.write(out));
  }

  static Connection connect(Map<String, Object> cfg) throws Exception {
    Properties p = new Properties();
    p.put("user", cfg.get("user"));
    p.put("account", cfg.get("account"));
    p.put("ssl", "off");
    for (String k : new String[] {"database", "schema", "warehouse"}) if (cfg.get(k) != null) p.put(k, cfg.get(k));
    Map<String, Object> auth = Json.obj(cfg.get("auth"));
    if ("oauth".equals(auth.get("kind"))) {
      p.put("authenticator", "oauth");
      p.put("token", auth.get("token"));
    } else {
      p.put("authenticator", "snowflake_jwt");
      p.put("private_key_file", auth.get("privateKeyFile"));
    }
    return DriverManager.getConnection("jdbc:snowflake://" + cfg.get("host") + ":" + ((Number) cfg.get("port")).intValue(), p);
  }

  static Map<String, Object> runCase(Connection conn, Map<String, Object> cfg, Map<String, Object> c) throws Exception {
    try (Statement st = conn.createStatement()) {
      for (Object sql : list(c.get("setup"))) st.execute((String) sql);
      try {
        return runKind(conn, cfg, c, st);
      } finally {
        for (Object sql : list(c.get("teardown"))) st.execute((String) sql);
      }
    }
  }

  static List<Object> list(Object o) {
    return o == null ? List.of() : Json.arr(o);
  }

  static Map<String, Object> runKind(Connection conn, Map<String, Object> cfg, Map<String, Object> c, Statement st) throws Exception {
    Map<String, Object> r = new LinkedHashMap<>();
    String sql = (String) c.get("sql");
    switch ((String) c.get("kind")) {
      case "query": {
        try (PreparedStatement ps = conn.prepareStatement(sql)) {
          List<Object> binds = list(c.get("binds"));
          for (int i = 0; i < binds.size(); i++) ps.setObject(i + 1, binds.get(i) instanceof Double d && d == Math.rint(d) ? (Object) d.longValue() : binds.get(i));
          r.put("rows", rows(ps.executeQuery()));
        }
        return r;
      }
      case "aggregate": {
        ResultSet rs = st.executeQuery(sql);
        long fetchStarted = System.nanoTime();
        long n = 0;
        long total = 0;
        int columns = rs.getMetaData().getColumnCount();
        while (rs.next()) {
          n++;
          total += rs.getLong(1);
          // Every column is read, as a pipeline would.
          for (int i = 2; i <= columns; i++) rs.getObject(i);
        }
        r.put("rows", List.of(List.of(Long.toString(n), Long.toString(total))));
        r.put("fetchMs", Math.round((System.nanoTime() - fetchStarted) / 1e5) / 10.0);
        return r;
      }
      case "multi": {
        st.unwrap(SnowflakeStatement.class).setParameter("MULTI_STATEMENT_COUNT", ((Number) c.get("count")).intValue());
        boolean more = st.execute(sql);
        List<Object> sets = new ArrayList<>();
        while (more || st.getUpdateCount() != -1) {
          if (more) sets.add(rows(st.getResultSet()));
          more = st.getMoreResults();
        }
        r.put("rows", sets);
        return r;
      }
      case "transaction": {
        conn.setAutoCommit(false);
        try {
          for (Object s : list(c.get("rollback"))) st.execute((String) s);
          conn.rollback();
          for (Object s : list(c.get("commit"))) st.execute((String) s);
          conn.commit();
        } finally {
          conn.setAutoCommit(true);
        }
        r.put("rows", rows(st.executeQuery((String) c.get("check"))));
        return r;
      }
      case "async": {
        ResultSet rs = st.unwrap(SnowflakeStatement.class).executeAsyncQuery(sql);
        SnowflakeAsyncResultSet ars = rs.unwrap(SnowflakeAsyncResultSet.class);
        while (ars.getStatus().isStillRunning()) Thread.sleep(50);
        r.put("rows", rows(rs));
        return r;
      }
      case "metadata": {
        // DatabaseMetaData as JDBC tools use it: tables of a schema, then a table's columns.
        DatabaseMetaData md = conn.getMetaData();
        List<Object> out = new ArrayList<>();
        try (ResultSet t = md.getTables(conn.getCatalog(), conn.getSchema(), (String) c.get("table"), null)) {
          while (t.next()) out.add(List.of(t.getString("TABLE_NAME"), t.getString("TABLE_TYPE")));
        }
        try (ResultSet col = md.getColumns(conn.getCatalog(), conn.getSchema(), (String) c.get("table"), null)) {
          while (col.next()) out.add(List.of(col.getString("COLUMN_NAME"), col.getString("TYPE_NAME")));
        }
        r.put("rows", out);
        return r;
      }
      case "describe": {
        try (PreparedStatement ps = conn.prepareStatement(sql)) {
          ResultSetMetaData md = ps.getMetaData();
          List<Object> cols = new ArrayList<>();
          for (int i = 1; i <= md.getColumnCount(); i++) cols.add(List.of(md.getColumnName(i), md.getColumnTypeName(i), md.getPrecision(i), md.getScale(i)));
          r.put("columns", cols);
        }
        return r;
      }
      case "renewal": {
        HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(cfg.get("emulatorUrl") + "/__emulator/faults"))
            .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"expireSessions\": true}")).build(), HttpResponse.BodyHandlers.discarding());
        r.put("rows", rows(st.executeQuery(sql)));
        return r;
      }
      case "error": {
        try {
          r.put("rows", rows(st.executeQuery(sql)));
        } catch (SQLException e) {
          Map<String, Object> err = new LinkedHashMap<>();
          err.put("class", e.getClass().getSimpleName());
          err.put("code", String.format("%06d", e.getErrorCode()));
          err.put("sqlState", e.getSQLState());
          r.put("error", err);
        }
        return r;
      }
      default:
        throw new IllegalArgumentException("unknown case kind " + c.get("kind"));
    }
  }

  static List<Object> rows(ResultSet rs) throws SQLException {
    ResultSetMetaData md = rs.getMetaData();
    List<Object> out = new ArrayList<>();
    while (rs.next()) {
      List<Object> row = new ArrayList<>();
      for (int i = 1; i <= md.getColumnCount(); i++) row.add(canonical(rs, md, i));
      out.add(row);
    }
    return out;
  }

  /** Canonical text of a value: the same for every driver of the suite. */
  static String canonical(ResultSet rs, ResultSetMetaData md, int i) throws SQLException {
    Object o = rs.getObject(i);
    if (o == null) return null;
    String type = md.getColumnTypeName(i).toUpperCase(Locale.ROOT);
    switch (type) {
      case "NUMBER": case "DECIMAL": case "INTEGER": case "BIGINT":
        return rs.getBigDecimal(i).toPlainString();
      case "DOUBLE": case "FLOAT": case "REAL":
        return Double.toString(rs.getDouble(i));
      case "BOOLEAN":
        return Boolean.toString(rs.getBoolean(i));
      case "DATE":
        return rs.getDate(i).toLocalDate().toString();
      case "TIME":
        return rs.getTime(i).toLocalTime().toString();
      case "TIMESTAMPNTZ": case "TIMESTAMP_NTZ":
        return rs.getTimestamp(i).toLocalDateTime().format(MILLIS);
      case "TIMESTAMPLTZ": case "TIMESTAMP_LTZ": case "TIMESTAMPTZ": case "TIMESTAMP_TZ":
        return rs.getTimestamp(i).toInstant().atOffset(ZoneOffset.UTC).toLocalDateTime().format(MILLIS) + "Z";
      case "BINARY": {
        StringBuilder sb = new StringBuilder();
        for (byte b : rs.getBytes(i)) sb.append(String.format("%02x", b));
        return sb.toString();
      }
      default:
        if (o instanceof BigDecimal bd) return bd.toPlainString();
        return rs.getString(i);
    }
  }
}
