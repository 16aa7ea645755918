// Manage ScrapingPros asynchronous scraping collections and their runs, and look up existing ones.
package scrapingpros
