package io.github.comfylite.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kind of bad input gets a 4xx JSON error naming the problem, and the server keeps serving. One server for the
 * whole table (shipped workflows: starter has width/height 64..4096, imageCount 1..16, steps 1..150).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BadRequestTest {
  private Harness h;

  @BeforeAll
  void start() throws Exception {
    h = Harness.start(Map.of(
        "COMFYLITE_MAX_BODY_BYTES", "16KiB",
        "COMFYLITE_MAX_PROMPT_LENGTH", "1000"));
  }

  @AfterAll
  void stop() {
    h.close();
  }

  /** One bad request and what must come back. */
  record Case(String name, String method, String path, String contentType, byte[] body, int status,
      String fragment) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> cases() {
    List<Case> c = new ArrayList<>();
    // Not JSON, or JSON of the wrong shape.
    c.add(gen("not JSON", "hello", 400, "request body is not valid JSON"));
    c.add(gen("empty body", "", 400, "request body is empty"));
    c.add(gen("whitespace body", "  \n ", 400, "request body is empty"));
    c.add(gen("open brace", "{", 400, "request body is not valid JSON"));
    c.add(gen("unterminated object", "{\"prompt\":\"a\"", 400, "request body is not valid JSON"));
    c.add(gen("trailing data", "{\"prompt\":\"a\"} x", 400, "request body is not valid JSON"));
    c.add(gen("duplicate field", "{\"prompt\":\"a\",\"prompt\":\"b\"}", 400, "Duplicate field 'prompt'"));
    c.add(gen("array body", "[]", 400, "must be a JSON object"));
    c.add(gen("array of objects", "[{\"prompt\":\"a\"}]", 400, "got an array"));
    c.add(gen("string body", "\"a lighthouse\"", 400, "got a string"));
    c.add(gen("number body", "42", 400, "got a number"));
    c.add(gen("null body", "null", 400, "got null"));
    c.add(gen("boolean body", "true", 400, "got a boolean"));
    c.add(gen("NaN", "{\"prompt\":\"a\",\"width\":NaN}", 400, "request body is not valid JSON"));
    c.add(gen("single quotes", "{'prompt':'a'}", 400, "request body is not valid JSON"));
    c.add(gen("comment", "{\"prompt\":\"a\"} // hi", 400, "request body is not valid JSON"));
    c.add(gen("invalid UTF-8", new byte[] {'{', '"', 'p', (byte) 0xff, '"', ':', '1', '}'}, 400,
        "request body is not valid JSON"));
    // prompt
    c.add(gen("no prompt", "{}", 400, "prompt cannot be empty"));
    c.add(gen("empty prompt", "{\"prompt\":\"\"}", 400, "prompt cannot be empty"));
    c.add(gen("whitespace prompt", "{\"prompt\":\" \\n\\t \"}", 400, "prompt cannot be empty"));
    c.add(gen("null prompt", "{\"prompt\":null}", 400, "prompt must be a string, got null"));
    c.add(gen("number prompt", "{\"prompt\":123}", 400, "prompt must be a string, got a number"));
    c.add(gen("array prompt", "{\"prompt\":[\"a\"]}", 400, "prompt must be a string, got an array"));
    c.add(gen("object prompt", "{\"prompt\":{\"text\":\"a\"}}", 400, "prompt must be a string, got an object"));
    c.add(gen("boolean prompt", "{\"prompt\":true}", 400, "prompt must be a string, got a boolean"));
    c.add(gen("huge prompt", "{\"prompt\":\"" + "x".repeat(1001) + "\"}", 400,
        "prompt is too long: 1001 characters, at most 1000"));
    // width / height
    c.add(gen("width as string", "{\"prompt\":\"a\",\"width\":\"450\"}", 400, "width must be an integer, got a string"));
    c.add(gen("negative width", "{\"prompt\":\"a\",\"width\":-1}", 400, "width must be between 16 and 8192, got -1"));
    c.add(gen("zero width", "{\"prompt\":\"a\",\"width\":0}", 400, "width must be between 16 and 8192, got 0"));
    c.add(gen("negative height", "{\"prompt\":\"a\",\"height\":-450}", 400, "height must be between 16 and 8192"));
    c.add(gen("fractional width", "{\"prompt\":\"a\",\"width\":450.5}", 400, "width must be a whole number, got 450.5"));
    c.add(gen("exponent width", "{\"prompt\":\"a\",\"width\":1e3}", 400, "width must be a whole number"));
    c.add(gen("too large width", "{\"prompt\":\"a\",\"width\":100000}", 400, "COMFYLITE_MAX_IMAGE_SIZE"));
    c.add(gen("enormous width", "{\"prompt\":\"a\",\"width\":99999999999999999999}", 400,
        "width must be between 16 and 8192"));
    c.add(gen("null height", "{\"prompt\":\"a\",\"height\":null}", 400, "height must be an integer, got null"));
    c.add(gen("array height", "{\"prompt\":\"a\",\"height\":[450]}", 400, "height must be an integer, got an array"));
    c.add(gen("width over workflow max", "{\"prompt\":\"a\",\"width\":8000}", 400, "between 64 and 4096"));
    c.add(gen("width under workflow min", "{\"prompt\":\"a\",\"width\":32}", 400, "between 64 and 4096"));
    // image_count
    c.add(gen("zero images", "{\"prompt\":\"a\",\"image_count\":0}", 400, "image_count must be between 1 and 64, got 0"));
    c.add(gen("10,000 images", "{\"prompt\":\"a\",\"image_count\":10000}", 400,
        "image_count must be between 1 and 64, got 10000"));
    c.add(gen("negative images", "{\"prompt\":\"a\",\"image_count\":-3}", 400, "image_count must be between 1"));
    c.add(gen("image count as string", "{\"prompt\":\"a\",\"image_count\":\"2\"}", 400,
        "image_count must be an integer, got a string"));
    c.add(gen("fractional image count", "{\"prompt\":\"a\",\"image_count\":2.5}", 400,
        "image_count must be a whole number"));
    c.add(gen("images over workflow max", "{\"prompt\":\"a\",\"image_count\":20}", 400, "image_count: "));
    // seed
    c.add(gen("negative seed", "{\"prompt\":\"a\",\"seed\":-1}", 400, "seed must be between 0 and 18446744073709551615"));
    c.add(gen("seed as string", "{\"prompt\":\"a\",\"seed\":\"42\"}", 400, "seed must be an integer, got a string"));
    c.add(gen("seed beyond 64 bits", "{\"prompt\":\"a\",\"seed\":18446744073709551616}", 400, "seed must be between"));
    // workflow
    c.add(gen("unknown workflow", "{\"prompt\":\"a\",\"workflow\":\"nope\"}", 400, "unknown workflow 'nope'"));
    c.add(gen("traversal workflow", "{\"prompt\":\"a\",\"workflow\":\"../../etc/passwd\"}", 400,
        "invalid workflow name"));
    c.add(gen("backslash workflow", "{\"prompt\":\"a\",\"workflow\":\"..\\\\..\\\\x\"}", 400, "invalid workflow name"));
    c.add(gen("absolute workflow", "{\"prompt\":\"a\",\"workflow\":\"/etc/passwd\"}", 400, "invalid workflow name"));
    c.add(gen("empty workflow", "{\"prompt\":\"a\",\"workflow\":\"\"}", 400, "invalid workflow name"));
    c.add(gen("workflow with NUL", "{\"prompt\":\"a\",\"workflow\":\"starter\\u0000\"}", 400,
        "invalid workflow name 'starter\\u0000'"));
    c.add(gen("number workflow", "{\"prompt\":\"a\",\"workflow\":5}", 400, "workflow must be a string"));
    c.add(gen("null workflow", "{\"prompt\":\"a\",\"workflow\":null}", 400, "workflow must be a string, got null"));
    // params
    c.add(gen("params as string", "{\"prompt\":\"a\",\"params\":\"x\"}", 400, "params must be a JSON object"));
    c.add(gen("params as array", "{\"prompt\":\"a\",\"params\":[]}", 400, "params must be a JSON object of parameter values, got an array"));
    c.add(gen("unknown param", "{\"prompt\":\"a\",\"params\":{\"nope\":1}}", 400, "has no parameter 'nope'"));
    c.add(gen("misspelt param", "{\"prompt\":\"a\",\"params\":{\"stepz\":20}}", 400, "steps"));
    c.add(gen("null param", "{\"prompt\":\"a\",\"params\":{\"steps\":null}}", 400,
        "params.steps must be a string, number or boolean, got null"));
    c.add(gen("array param", "{\"prompt\":\"a\",\"params\":{\"steps\":[1]}}", 400, "params.steps must be a string"));
    c.add(gen("object param", "{\"prompt\":\"a\",\"params\":{\"steps\":{\"a\":1}}}", 400, "got an object"));
    c.add(gen("param of wrong type", "{\"prompt\":\"a\",\"params\":{\"steps\":\"many\"}}", 400, "whole number"));
    c.add(gen("param out of range", "{\"prompt\":\"a\",\"params\":{\"steps\":0}}", 400, "150"));
    c.add(gen("param not allowed", "{\"prompt\":\"a\",\"params\":{\"scheduler\":\"bogus\"}}", 400, "must be one of"));
    c.add(gen("conflicting width", "{\"prompt\":\"a\",\"width\":512,\"params\":{\"width\":512}}", 400,
        "params.width conflicts with the top-level field 'width'"));
    c.add(gen("conflicting count", "{\"prompt\":\"a\",\"params\":{\"imageCount\":2},\"image_count\":2}", 400,
        "conflicts with the top-level field 'image_count'"));
    c.add(gen("empty prompt in params", "{\"params\":{\"prompt\":\"\"}}", 400, "prompt cannot be empty"));
    // unknown top-level fields
    c.add(gen("misspelt field", "{\"prompt\":\"a\",\"widht\":5}", 400, "unknown field 'widht'; did you mean 'width'?"));
    c.add(gen("extra field", "{\"prompt\":\"a\",\"extra\":1}", 400, "unknown field 'extra'"));
    c.add(gen("camelCase field", "{\"prompt\":\"a\",\"imageCount\":2}", 400, "did you mean 'image_count'?"));
    // webhook_url
    c.add(gen("webhook not a URL", "{\"prompt\":\"a\",\"webhook_url\":\"not a url\"}", 400, "webhook_url is not a valid URL"));
    c.add(gen("ftp webhook", "{\"prompt\":\"a\",\"webhook_url\":\"ftp://x/y\"}", 400, "got scheme 'ftp'"));
    c.add(gen("file webhook", "{\"prompt\":\"a\",\"webhook_url\":\"file:///etc/passwd\"}", 400, "got scheme 'file'"));
    c.add(gen("javascript webhook", "{\"prompt\":\"a\",\"webhook_url\":\"javascript:alert(1)\"}", 400,
        "got scheme 'javascript'"));
    c.add(gen("relative webhook", "{\"prompt\":\"a\",\"webhook_url\":\"/hook\"}", 400, "got no scheme"));
    c.add(gen("number webhook", "{\"prompt\":\"a\",\"webhook_url\":5}", 400, "webhook_url must be a string"));
    c.add(gen("hostless webhook", "{\"prompt\":\"a\",\"webhook_url\":\"http:///hook\"}", 400, "has no host"));
    // content type and size
    c.add(new Case("text/plain", "POST", "/generate", "text/plain", bytes("{\"prompt\":\"a\"}"), 415,
        "Content-Type must be application/json"));
    c.add(new Case("form encoded", "POST", "/generate", "application/x-www-form-urlencoded", bytes("prompt=a"), 415,
        "Content-Type must be application/json"));
    c.add(new Case("multipart", "POST", "/generate", "multipart/form-data; boundary=x", bytes("--x--"), 415,
        "Content-Type must be application/json"));
    c.add(gen("body over the limit", "{\"prompt\":\"" + "x".repeat(20_000) + "\"}", 413,
        "larger than the limit of 16384 bytes"));
    c.add(gen("2 MiB body", "{\"prompt\":\"" + "x".repeat(2 << 20) + "\"}", 413, "COMFYLITE_MAX_BODY_BYTES"));
    // routes and methods
    c.add(new Case("unknown route", "GET", "/nope", null, null, 404, "no route /nope"));
    c.add(new Case("root", "GET", "/", null, null, 404, "no route /"));
    c.add(new Case("path below generate", "POST", "/generate/extra", "application/json", bytes("{}"), 404, "no route"));
    c.add(new Case("GET generate", "GET", "/generate", null, null, 405, "allowed: POST"));
    c.add(new Case("PUT generate", "PUT", "/generate", "application/json", bytes("{}"), 405, "method PUT"));
    c.add(new Case("DELETE generate", "DELETE", "/generate", null, null, 405, "allowed: POST"));
    c.add(new Case("POST health", "POST", "/health", "application/json", bytes("{}"), 405, "allowed: GET"));
    c.add(new Case("POST workflows", "POST", "/workflows", "application/json", bytes("{}"), 405, "allowed: GET"));
    c.add(new Case("PATCH prompt", "PATCH", "/prompts/x", "application/json", bytes("{}"), 405,
        "allowed: DELETE, GET"));
    c.add(new Case("unknown prompt", "GET", "/prompts/does-not-exist", null, null, 404, "unknown prompt 'does-not-exist'"));
    c.add(new Case("cancel unknown prompt", "DELETE", "/prompts/does-not-exist", null, null, 404, "unknown prompt"));
    c.add(new Case("empty prompt id", "GET", "/prompts/", null, null, 404, "no route"));
    c.add(new Case("invalid UTF-8 in path", "GET", "/workflows/%FF", null, null, 400, "invalid workflow name"));
    c.add(new Case("encoded traversal", "GET", "/workflows/..%2F..%2Fetc%2Fpasswd", null, null, 400,
        "invalid workflow name"));
    return c.stream();
  }

  @Order(1)
  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void badRequestGetsA4xxJsonErrorNamingTheProblem(Case c) {
    HttpRequest.BodyPublisher body = c.body() == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofByteArray(c.body());
    HttpRequest.Builder request = h.request(c.path()).method(c.method(), body);
    if (c.contentType() != null) {
      request.header("Content-Type", c.contentType());
    }
    Harness.Reply reply = h.send(request.build());

    assertThat(reply.status()).as(reply.toString()).isEqualTo(c.status());
    assertThat(reply.headers().firstValue("Content-Type")).hasValueSatisfying(
        type -> assertThat(type).startsWith("application/json"));
    assertThat(reply.error()).as(reply.toString()).contains(c.fragment());
    if (c.status() == 405) {
      assertThat(reply.headers().firstValue("Allow")).isPresent();
    }
  }

  @Test
  @Order(2)
  void serverStillServesAfterEveryBadRequest() throws Exception {
    assertThat(cases().count()).isGreaterThanOrEqualTo(60);
    assertThat(h.get("/health").status()).isEqualTo(200);
    Harness.Reply ok = h.post("/generate", "{\"prompt\":\"still here\",\"webhook_url\":\"" + h.webhookUrl() + "\"}");
    assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
    assertThat(h.takeWebhook().get("status").asText()).isEqualTo("success");
    // None of the bad requests reached ComfyUI.
    assertThat(h.fake.receivedPrompts()).hasSize(1);
  }

  private static Case gen(String name, String json, int status, String fragment) {
    return gen(name, bytes(json), status, fragment);
  }

  private static Case gen(String name, byte[] json, int status, String fragment) {
    return new Case(name, "POST", "/generate", "application/json", json, status, fragment);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }
}
