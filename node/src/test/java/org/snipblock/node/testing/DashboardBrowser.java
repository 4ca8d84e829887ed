package org.snipblock.node.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * A node's web dashboard in Debian's headless Chromium through its chromium-driver (Selenium),
 * never a downloaded browser or driver. The page redraws on every refresh, so what it shows is
 * read in one script per look and waited for with the bounded {@link Poll}.
 */
public final class DashboardBrowser implements AutoCloseable {
  private static final Duration SETTLE = Duration.ofSeconds(60);

  private final WebDriver browser;

  private DashboardBrowser(WebDriver browser) {
    this.browser = browser;
  }

  public static DashboardBrowser start() {
    Tools.require("chromium", "chromedriver");
    ChromeOptions options = new ChromeOptions().setBinary("/usr/bin/chromium")
        .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--window-size=1400,1000");
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(Path.of("/usr/bin/chromedriver").toFile()).usingAnyFreePort().build();
    return new DashboardBrowser(new ChromeDriver(service, options));
  }

  public void open(String url) {
    browser.get(url);
  }

  public void reload() {
    browser.navigate().refresh();
  }

  /** Types {@code text} into the field matching {@code css} and clicks the button matching {@code button}. */
  public void submit(String css, String text, String button) {
    browser.findElement(By.cssSelector(css)).sendKeys(text);
    browser.findElement(By.cssSelector(button)).click();
  }

  /** Waits (bounded) until the page shows exactly {@code count} elements matching {@code css}. */
  public void shown(String what, String css, int count) {
    Poll.until(what + " on the page", SETTLE, () -> Optional.of(texts(css)).filter(found -> found.size() == count));
  }

  /** Waits (bounded) until the first element matching {@code css} reads {@code text}. */
  public void reads(String what, String css, String text) {
    Poll.until(what + " on the page", SETTLE, () -> Optional.of(texts(css))
        .filter(found -> !found.isEmpty() && found.get(0).equals(text)));
  }

  /** The text of every element matching {@code css}, read in one script. */
  @SuppressWarnings("unchecked")
  public List<String> texts(String css) {
    return (List<String>) ((JavascriptExecutor) browser).executeScript(
        "return [...document.querySelectorAll(arguments[0])].map(e => e.textContent)", css);
  }

  /** Kept under target/screenshots as the test's artifact (the README shows one). */
  public void screenshot(String name) throws IOException {
    Path dir = Files.createDirectories(Path.of("target", "screenshots"));
    Files.write(dir.resolve(name), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
  }

  @Override
  public void close() {
    browser.quit();
  }
}
